#include "auth/login_alert.hpp"

#include <sodium.h>

#include <cstring>

#include <fmt/format.h>

#include "core/clock.hpp"

namespace estafeta::auth {

namespace {

// RFC 2047 §4.1 "B" encoded word for a UTF-8 text (short texts only: one word).
std::string encoded_word(const std::string& text) {
  std::string b64(sodium_base64_ENCODED_LEN(text.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return "=?UTF-8?B?" + b64 + "?=";
}

// Printable ASCII only: what a client sent (its user agent) must not add
// header fields or lines of its own to the message.
std::string clean(const std::string& text, std::size_t max = 200) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= max) break;
    out += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
  }
  return out;
}

const char* method_text(store::LoginMethod m, bool es) {
  switch (m) {
    case store::LoginMethod::password: return es ? "contraseña" : "password";
    case store::LoginMethod::password_totp:
      return es ? "contraseña y código de verificación" : "password and verification code";
    case store::LoginMethod::password_emergency:
      return es ? "contraseña y código de emergencia" : "password and emergency code";
    case store::LoginMethod::token: return es ? "token de API" : "API token";
    case store::LoginMethod::device: return es ? "contraseña de dispositivo" : "device password";
  }
  return "";
}

}  // namespace

std::string login_alert_message(const LoginAlert& a, const AlertEnvelope& env) {
  bool es = env.language != "en";
  std::string subject = a.success ? (es ? "Nuevo inicio de sesión en tu cuenta" : "New login to your account")
                                  : (es ? "Intento fallido de inicio de sesión" : "Failed login attempt");
  std::string when = rfc5322_date(a.time);
  std::string agent = a.user_agent.empty() ? (es ? "(desconocido)" : "(unknown)") : clean(a.user_agent);
  std::string body;
  if (es) {
    body = fmt::format(
        "Hola, {}:\r\n\r\n{} en la cuenta {}.\r\n\r\n  Fecha:        {}\r\n  Dirección IP: {}\r\n"
        "  Navegador:    {}\r\n  Método:       {}\r\n\r\n",
        clean(a.user.display_name.empty() ? a.user.login : a.user.display_name),
        a.success ? "Se ha iniciado sesión" : "Ha fallado un intento de inicio de sesión", clean(a.user.login), when,
        clean(a.ip), agent, method_text(a.method, true));
    body += a.success ? "Si no has sido tú, cambia tu contraseña y cierra esta sesión desde el historial de "
                        "inicios de sesión de tu cuenta.\r\n"
                      : "Si no has sido tú, alguien puede estar intentando entrar en tu cuenta: usa una contraseña "
                        "robusta y activa la verificación en dos pasos.\r\n";
    body += "\r\nPuedes desactivar estos avisos en la configuración de seguridad de tu cuenta.\r\n";
  } else {
    body = fmt::format(
        "Hello {},\r\n\r\n{} to the account {}.\r\n\r\n  Date:       {}\r\n  IP address: {}\r\n"
        "  Browser:    {}\r\n  Method:     {}\r\n\r\n",
        clean(a.user.display_name.empty() ? a.user.login : a.user.display_name),
        a.success ? "Someone logged in" : "A login attempt failed", clean(a.user.login), when, clean(a.ip), agent,
        method_text(a.method, false));
    body += a.success ? "If this was not you, change your password and end this session from your account's "
                        "login history.\r\n"
                      : "If this was not you, someone may be trying to get into your account: use a strong "
                        "password and turn on two-factor authentication.\r\n";
    body += "\r\nYou can turn these alerts off in your account's security settings.\r\n";
  }
  unsigned char id[12];
  randombytes_buf(id, sizeof id);
  std::string msgid;
  for (auto c : id) msgid += fmt::format("{:02x}", c);
  return fmt::format(
      "From: Estafeta <security@{0}>\r\nTo: <{1}>\r\nSubject: {2}\r\nDate: {3}\r\nMessage-ID: <{4}@{0}>\r\n"
      "Auto-Submitted: auto-generated\r\nContent-Language: {5}\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{6}",
      clean(env.hostname), clean(env.to), encoded_word(subject), when, msgid, es ? "es" : "en", body);
}

}  // namespace estafeta::auth
