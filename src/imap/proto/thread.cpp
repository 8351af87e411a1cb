#include "imap/proto/thread.hpp"
#include "core/ascii.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

namespace estafeta::imap {

namespace {

bool wsp(char c) { return c == ' ' || c == '\t'; }

// subj-blob: "[" *BLOBCHAR "]" *WSP — returns its length at `s`, or 0.
std::size_t blob_at(std::string_view s) {
  if (s.empty() || s[0] != '[') return 0;
  auto close = s.find_first_of("[]", 1);
  if (close == std::string_view::npos || s[close] != ']') return 0;
  std::size_t n = close + 1;
  while (n < s.size() && wsp(s[n])) ++n;
  return n;
}

// subj-refwd: ("re" / "fw" / "fwd") *WSP [subj-blob] ":" — its length, or 0.
std::size_t refwd_at(std::string_view s) {
  std::size_t n = 0;
  if (s.starts_with("re"))
    n = 2;
  else if (s.starts_with("fwd"))
    n = 3;
  else if (s.starts_with("fw"))
    n = 2;
  else
    return 0;
  while (n < s.size() && wsp(s[n])) ++n;
  n += blob_at(s.substr(n));
  if (n < s.size() && s[n] == ':') return n + 1;
  return 0;
}

}  // namespace

BaseSubject base_subject(std::string_view decoded) {
  // (1) tabs and runs of spaces become one space; case is folded for comparison.
  std::string s;
  for (char c : decoded) {
    if (c == '\t' || c == '\r' || c == '\n') c = ' ';
    if (c == ' ' && !s.empty() && s.back() == ' ') continue;
    s += c;
  }
  s = ascii_lower(s);
  bool reply = false;
  for (;;) {
    // (2) trailers: "(fwd)" and white space.
    for (bool again = true; again;) {
      again = false;
      while (!s.empty() && wsp(s.back())) {
        s.pop_back();
        again = true;
      }
      if (s.ends_with("(fwd)")) {
        s.resize(s.size() - 5);
        reply = again = true;
      }
    }
    // (3)-(5) leaders: white space, *blob refwd; and a blob if something remains.
    for (bool again = true; again;) {
      again = false;
      std::string_view v = s;
      std::size_t n = 0;
      while (n < v.size() && wsp(v[n])) ++n;
      if (n) {
        s.erase(0, n);
        again = true;
        continue;
      }
      std::size_t blobs = 0;
      while (auto b = blob_at(v.substr(blobs))) blobs += b;
      if (auto r = refwd_at(v.substr(blobs))) {
        s.erase(0, blobs + r);
        reply = again = true;
        continue;
      }
      if (auto b = blob_at(v)) {
        std::string rest = s.substr(b);
        if (!rest.empty()) {
          s = rest;
          again = true;
        }
      }
    }
    // (6) "[fwd: … ]" wrapper.
    if (s.starts_with("[fwd:") && s.ends_with("]")) {
      s = s.substr(5, s.size() - 6);
      reply = true;
      continue;
    }
    break;
  }
  return {s, reply};
}

namespace {

struct Node {
  const ThreadMessage* msg = nullptr;  // null: a dummy
  Node* parent = nullptr;
  std::vector<Node*> children;
  std::size_t order = 0;  // sequence order for ties
};

std::int64_t node_date(const Node* n) {
  if (n->msg) return n->msg->date;
  return n->children.empty() ? 0 : node_date(n->children.front());
}
std::size_t node_order(const Node* n) {
  if (n->msg) return n->order;
  return n->children.empty() ? 0 : node_order(n->children.front());
}
bool by_date(const Node* a, const Node* b) {
  auto da = node_date(a), db = node_date(b);
  if (da != db) return da < db;
  return node_order(a) < node_order(b);
}

void render(const Node* n, std::string& out) {
  if (n->msg) out += std::to_string(n->msg->number);
  if (n->msg && n->children.size() == 1) {
    out += ' ';
    render(n->children[0], out);
    return;
  }
  if (n->msg && !n->children.empty()) out += ' ';
  for (auto* c : n->children) {
    out += '(';
    render(c, out);
    out += ')';
  }
}

std::string render_roots(const std::vector<Node*>& roots) {
  std::string out;
  for (auto* r : roots) {
    out += '(';
    render(r, out);
    out += ')';
  }
  return out;
}

bool is_ancestor(const Node* maybe, const Node* of) {
  for (auto* p = of; p; p = p->parent)
    if (p == maybe) return true;
  return false;
}

void unlink(Node* child) {
  if (!child->parent) return;
  auto& kids = child->parent->children;
  kids.erase(std::remove(kids.begin(), kids.end(), child), kids.end());
  child->parent = nullptr;
}

void link(Node* parent, Node* child) {
  if (parent == child || is_ancestor(child, parent)) return;  // no loops
  child->parent = parent;
  parent->children.push_back(child);
}

}  // namespace

std::string thread_orderedsubject(const std::vector<ThreadMessage>& messages) {
  std::vector<std::unique_ptr<Node>> nodes;
  std::map<std::string, std::vector<Node*>> by_subject;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    nodes.push_back(std::make_unique<Node>());
    nodes.back()->msg = &messages[i];
    nodes.back()->order = i;
    by_subject[base_subject(messages[i].subject).text].push_back(nodes.back().get());
  }
  std::vector<Node*> roots;
  for (auto& [subject, group] : by_subject) {
    std::stable_sort(group.begin(), group.end(), by_date);
    Node* root = group.front();
    for (std::size_t i = 1; i < group.size(); ++i) link(root, group[i]);  // no grandchildren
    roots.push_back(root);
  }
  std::stable_sort(roots.begin(), roots.end(), by_date);
  return render_roots(roots);
}

namespace {

// The containers of one REFERENCES run: one per message id, messages and
// referenced ids alike (a referenced id with no message is a dummy), and
// the dummy root of step 2. Owns every node.
struct Forest {
  std::vector<std::unique_ptr<Node>> nodes;
  std::map<std::string, Node*> by_id;
  Node root;

  Node* add() {
    nodes.push_back(std::make_unique<Node>());
    return nodes.back().get();
  }
  Node* container(const std::string& id) {
    auto it = by_id.find(id);
    if (it != by_id.end()) return it->second;
    return by_id[id] = add();
  }
};

// RFC 5256 §3, REFERENCES step 1: (A) link each message's references
// parent to child, in order, where the child has no parent yet and no loop
// results; (B) make the last reference the message's parent, in place of
// any it had. A message without an id, or with one an earlier message
// took, gets an id of its own.
void link_by_references(Forest& forest, const std::vector<ThreadMessage>& messages) {
  std::size_t unique = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    auto& m = messages[i];
    std::string id = m.message_id;
    if (id.empty() || (forest.by_id.contains(id) && forest.by_id[id]->msg))
      id = "\x01unique-" + std::to_string(unique++);
    Node* self = forest.container(id);
    self->msg = &m;
    self->order = i;
    Node* prev = nullptr;
    for (auto& ref : m.references) {
      Node* r = forest.container(ref);
      if (prev && !r->parent && r != self) link(prev, r);
      prev = r;
    }
    if (self->parent) unlink(self);
    if (prev && prev != self) link(prev, self);
  }
}

// Step 2: every node without a parent becomes a child of the root.
void gather_under_root(Forest& forest) {
  for (auto& n : forest.nodes)
    if (!n->parent) {
      n->parent = &forest.root;
      forest.root.children.push_back(n.get());
    }
}

// Step 3, below `parent`: (A) a dummy without children goes; (B) a dummy
// with children gives way to them, except at the root's level, where only
// a dummy with one child does.
void prune_dummies(Node* parent, const Node* root) {
  std::vector<Node*> kept;
  for (auto* c : parent->children) {
    prune_dummies(c, root);
    if (c->msg) {
      kept.push_back(c);
    } else if (c->children.empty()) {
      continue;
    } else if (parent != root || c->children.size() == 1) {
      for (auto* g : c->children) {
        g->parent = parent;
        kept.push_back(g);
      }
    } else {
      kept.push_back(c);
    }
  }
  parent->children = kept;
}

// Step 4: the root's children by sent date; a dummy's children are sorted
// first and it takes its first child's date.
void sort_top_level(Node& root) {
  for (auto* c : root.children)
    if (!c->msg) std::stable_sort(c->children.begin(), c->children.end(), by_date);
  std::stable_sort(root.children.begin(), root.children.end(), by_date);
}

// Step 5 (B)(i): a thread's subject is its message's, or its first child's
// when it is a dummy.
BaseSubject thread_subject(const Node* n) {
  const ThreadMessage* m = n->msg ? n->msg : (n->children.empty() ? nullptr : n->children.front()->msg);
  return m ? base_subject(m->subject) : BaseSubject{"", false};
}

bool is_reply(const Node* n) { return n->msg && base_subject(n->msg->subject).reply_or_forward; }

// Step 5 (A), (B): one thread per non-empty base subject; a dummy is
// preferred to a message, and a message that is no reply or forward to
// one that is.
std::map<std::string, Node*> subject_table(const Node& root) {
  std::map<std::string, Node*> table;
  for (auto* c : root.children) {
    auto subject = thread_subject(c);
    if (subject.text.empty()) continue;
    auto it = table.find(subject.text);
    if (it == table.end()) {
      table[subject.text] = c;
    } else if (it->second->msg && (!c->msg || (is_reply(it->second) && !is_reply(c)))) {
      it->second = c;
    }
  }
  return table;
}

void adopt(Node* parent, Node* child) {
  child->parent = parent;
  parent->children.push_back(child);
}

// Step 5 (C) (iv)-(vii): thread `c` joins `t`, the table's thread of the
// same subject. `top` is the new top level, `t` possibly in it already.
// Returns what stands for the subject in the table from now on.
Node* merge_thread(Forest& forest, Node* t, Node* c, std::vector<Node*>& top) {
  if (!t->msg && !c->msg) {
    for (auto* g : c->children) adopt(t, g);  // (iv) both dummies: c's children move to t
  } else if (!t->msg && c->msg) {
    adopt(t, c);  // (v)
  } else if (is_reply(c) && !is_reply(t)) {
    adopt(t, c);  // (vi)
  } else {
    // (vii) A new dummy holds both, and takes t's place at the top level
    // and in the table.
    Node* dummy = forest.add();
    auto pos = std::find(top.begin(), top.end(), t);
    t->parent = dummy;
    c->parent = dummy;
    dummy->children = {t, c};
    dummy->parent = &forest.root;
    if (pos != top.end())
      *pos = dummy;
    else
      top.push_back(dummy);
    return dummy;
  }
  return t;
}

// Step 5 (C): threads of the same base subject merged; the top level that
// remains, in the root's order.
std::vector<Node*> merge_by_subject(Forest& forest, std::map<std::string, Node*>& table) {
  std::vector<Node*> top;
  auto children = forest.root.children;
  for (auto* c : children) {
    if (c->parent != &forest.root) continue;  // merged into another thread already
    auto subject = thread_subject(c);
    if (subject.text.empty()) {
      top.push_back(c);
      continue;
    }
    Node*& entry = table[subject.text];
    if (entry == c) {
      top.push_back(c);
      continue;
    }
    entry = merge_thread(forest, entry, c, top);
  }
  return top;
}

// Step 6: every set of siblings by sent date, the deepest first.
void sort_siblings(Node* n) {
  for (auto* c : n->children) sort_siblings(c);
  std::stable_sort(n->children.begin(), n->children.end(), by_date);
}

}  // namespace

// RFC 5256 §3 REFERENCES: its numbered steps, in order.
std::string thread_references(const std::vector<ThreadMessage>& messages) {
  Forest forest;
  link_by_references(forest, messages);
  gather_under_root(forest);
  prune_dummies(&forest.root, &forest.root);
  sort_top_level(forest.root);
  auto table = subject_table(forest.root);
  auto top = merge_by_subject(forest, table);
  for (auto* t : top) sort_siblings(t);
  std::stable_sort(top.begin(), top.end(), by_date);
  return render_roots(top);
}

}  // namespace estafeta::imap
