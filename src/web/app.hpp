// Serving the web app: its files by path, index.html for every other
// path (the app routes in the browser), the validators and caching of
// each, and the security headers the page runs under.
#pragma once

#include <string_view>

#include "web/app_files.hpp"
#include "web/message.hpp"

namespace estafeta::web {

// The page's Content-Security-Policy: scripts and styles from this origin
// only (no inline script, no eval); the app talks to this origin only;
// images may come from elsewhere only because a message's remote images
// are shown once the user allows them (each message frame narrows this
// with its own policy); no framing of the app.
inline constexpr std::string_view kAppPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https: http:; font-src 'self'; connect-src 'self'; "
    "frame-src 'self' blob: data:; child-src 'self' blob: data:; worker-src 'self'; manifest-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// A request for a path no other route serves: GET and HEAD are
// answered, other methods get 404.
Response serve_app(const AppFiles& files, const Request& request);

}  // namespace estafeta::web
