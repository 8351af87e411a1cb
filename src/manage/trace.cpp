// The per-address message trace (DESIGN §2.5): who may read it.
#include "manage/manager.hpp"

namespace estafeta::manage {

Result<std::vector<store::TraceEntry>> Manager::trace(const Actor& actor, const std::string& address, store::Time since,
                                                      std::size_t limit) {
  auto a = TRY(visible_address(actor, address));
  bool user_of_address = actor.user && m_store.find_access(a.id, actor.user->id).has_value();
  if (!user_of_address) TRY(may_manage_org(actor, a.org_id));
  return m_store.trace(a.id, since, limit);
}

}  // namespace estafeta::manage
