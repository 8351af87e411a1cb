// The server's messages in Spanish. The server and the CLI speak English;
// what the server tells the web app (API errors, the domain diagnostic, the
// SPF analysis and merge notes, a few texts of the activity log) is shown
// through serverText() (server-messages.ts), which finds the English
// template here that matches a message and fills the Spanish one.
//
// Keys are the C++ format strings as the server writes them: each `{}`
// stands for any text, translated in turn when it matches a template itself
// (so "record {}: {}" translates its inner message). The Spanish text has
// the same number of placeholders; `{0}`, `{1}`… take the values in another
// order where Spanish needs it. Where an English template is built from a
// choice of fixed words ("the {} key {} ({}) is published" with a state),
// each choice has its own template, so the words are translated too.
//
// Grouped by the source file that says them (src/…). The coverage test in
// server-messages.test.ts reads those files and fails on a message that is
// missing here.

export const serverEs: Record<string, string> = {
  // web/api/api.cpp: routing, authentication, CSRF.
  "no such API route": "esa ruta de la API no existe",
  "this route does not take {}": "esta ruta no admite {}",
  "requests from another site are refused": "se rechazan las peticiones que vienen de otro sitio",
  "Authorization must be Bearer <API token>": "Authorization debe ser Bearer <token de la API>",
  "the API token is not valid (revoked?)": "el token de la API no es válido (¿se ha revocado?)",
  "the session has ended; log in again": "la sesión ha terminado; vuelve a iniciar sesión",
  "the X-CSRF-Token header is missing or does not match the session": "falta la cabecera X-CSRF-Token o no corresponde a la sesión",
  "log in first (session cookie or API token)": "primero inicia sesión (cookie de sesión o token de la API)",
  "your organisation requires two-factor authentication: set it up first": "tu organización exige la verificación en dos pasos: actívala primero",
  "too many uploads at once: send one piece after another": "demasiadas subidas a la vez: envía un fragmento tras otro",
  "the body is larger than this route takes": "el cuerpo de la petición es mayor de lo que admite esta ruta",

  // web/api/http_json.cpp: the request body and its fields.
  "the server could not do this; the error is logged": "el servidor no ha podido hacerlo; el error queda registrado",
  "the body must be application/json": "el cuerpo de la petición debe ser application/json",
  "the body must be a JSON object": "el cuerpo de la petición debe ser un objeto JSON",
  "a name appears twice in one object (RFC 7493)": "un nombre aparece dos veces en el mismo objeto (RFC 7493)",
  "the body is not valid JSON (at byte {})": "el cuerpo de la petición no es JSON válido (en el byte {})",
  "the body holds a number out of range": "el cuerpo de la petición contiene un número fuera de rango",
  "the body nests deeper than {} levels": "el cuerpo de la petición anida más de {} niveles",
  "{} must be a string": "{} debe ser un texto",
  "{} is longer than {} characters": "{} tiene más de {} caracteres",
  "{} must be true or false": "{} debe ser true o false",
  "{} must be a whole number": "{} debe ser un número entero",
  "{} is required": "{} es obligatorio",
  // The required fields by name, as a form shows them beside the field.
  "address is required": "la dirección es obligatoria",
  "code is required": "el código es obligatorio",
  "current_password is required": "la contraseña actual es obligatoria",
  "domain is required": "el dominio es obligatorio",
  "label is required": "la etiqueta es obligatoria",
  "login is required": "el usuario es obligatorio",
  "name is required": "el nombre es obligatorio",
  "new_password is required": "la contraseña nueva es obligatoria",
  "password is required": "la contraseña es obligatoria",
  "service is required": "el servicio de correo es obligatorio",

  // web/api/transfers.cpp and drive/transfers.cpp (store/sqlite/transfers.cpp): download links.
  "transfer links are not served here": "este servidor no ofrece enlaces de descarga",
  "files must be a list of {name, type, size}": "files debe ser una lista de {name, type, size}",
  "each file is an object {name, type, size}": "cada archivo es un objeto {name, type, size}",
  "each file needs its size in bytes": "cada archivo necesita su tamaño en bytes",
  "days must be a number of days": "days debe ser un número de días",
  "no such transfer": "ese enlace de descarga no existe",
  "?offset= must say where this piece starts, in bytes": "?offset= debe indicar dónde empieza este fragmento, en bytes",
  "a file name is longer than {} bytes": "un nombre de archivo tiene más de {} bytes",
  "a transfer needs at least one file": "un enlace de descarga necesita al menos un archivo",
  "a transfer holds at most {} files": "un enlace de descarga admite como mucho {} archivos",
  "a link lasts at most {} days": "un enlace dura como mucho {} días",
  "a file's size cannot be negative": "el tamaño de un archivo no puede ser negativo",
  "a transfer holds at most {} bytes": "un enlace de descarga admite como mucho {} bytes",
  "your transfer links hold {} of {} bytes: delete some, or wait until they expire": "tus enlaces de descarga ocupan {} de {} bytes: borra alguno o espera a que caduquen",
  "a piece is at most {} bytes": "un fragmento tiene como mucho {} bytes",
  "another piece of this transfer is being written; send one at a time": "se está guardando otro fragmento de este enlace; envíalos de uno en uno",
  "no such file in this transfer": "ese archivo no está en este enlace",
  "the transfer is complete: its files cannot change": "el enlace está completo: sus archivos ya no pueden cambiar",
  "the transfer has expired": "el enlace ha caducado",
  "the upload goes on from {} bytes": "la subida continúa a partir de {} bytes",
  "the file is {} bytes; this piece goes past its end": "el archivo tiene {} bytes; este fragmento pasa de su final",
  "a piece of this transfer is being written; try again": "se está guardando un fragmento de este enlace; inténtalo de nuevo",
  "no such link, or it has expired": "ese enlace no existe o ha caducado",
  "no such file behind this link": "ese archivo no está tras este enlace",
  "no such file in a transfer being uploaded": "ese archivo no está en ningún enlace que se esté subiendo",
  "more bytes than the file's size": "más bytes que el tamaño del archivo",
  "a file of the transfer has not arrived whole yet": "un archivo del enlace aún no ha llegado entero",
  "no such file": "ese archivo no existe",
  "storage error": "error de almacenamiento",
  "you have {} download links, the most allowed: delete some, or wait until they expire": "tienes {} enlaces de descarga, el máximo permitido: borra alguno o espera a que caduquen",
  "the server has no room for these files now; try again later": "el servidor no tiene sitio ahora para estos archivos; inténtalo más tarde",

  // web/api/account.cpp: the account, its sessions and settings.
  "an API token has no browser session": "un token de la API no tiene sesión de navegador",
  "lockout_threshold must be between {} (your organisation's minimum) and 100": "lockout_threshold debe estar entre {} (el mínimo de tu organización) y 100",
  "alert_address must be one of the addresses you have access to": "alert_address debe ser una de las direcciones a las que tienes acceso",
  "language must be es or en": "language debe ser es o en",
  "no such connection": "esa conexión no existe",
  "no such session": "esa sesión no existe",
  "before must be a login id": "before debe ser el id de un inicio de sesión",
  "limit must be between 1 and 500": "limit debe estar entre 1 y 500",
  "no such token": "ese token no existe",
  "preferences are limited to {} bytes": "las preferencias no pueden ocupar más de {} bytes",

  // web/api/activity.cpp: the activity log's filters.
  "{} must be a Unix time in seconds": "{} debe ser una hora Unix en segundos",
  "q is longer than 200 characters": "q tiene más de 200 caracteres",
  "before must be an entry id": "before debe ser el id de una entrada",
  "limit must be between 1 and 1000": "limit debe estar entre 1 y 1000",

  // web/api/manage.cpp: users, policy, addresses, devices, trace.
  "to delete your own account, use DELETE /api/v1/me with your password": "para eliminar tu propia cuenta, usa DELETE /api/v1/me con tu contraseña",
  "role must be admin, legal or member": "role debe ser admin, legal o member",
  "min_lockout_threshold must be between 1 and 100": "min_lockout_threshold debe estar entre 1 y 100",
  "usage is 1 or 0": "usage es 1 o 0",
  "{} must be a whole number or null": "{} debe ser un número entero o null",
  "nothing to change: quota_bytes, quota_messages or save_sent": "no hay nada que cambiar: quota_bytes, quota_messages o save_sent",
  "may_change_special_folders is required": "may_change_special_folders es obligatorio",
  "since is a time in Unix seconds": "since es una hora Unix en segundos",
  "limit is a number from 1 to 1000": "limit es un número del 1 al 1000",
  "no such device password": "esa contraseña de dispositivo no existe",
  "device needs a name for the device password inside the profile": "device necesita un nombre para la contraseña de dispositivo que va dentro del perfil",

  // web/api/zones.cpp: records and the SPF tools.
  "type is required": "el tipo es obligatorio",
  "data is required": "el valor es obligatorio",
  "ttl must be 0 to 2147483647": "el TTL debe estar entre 0 y 2147483647",
  "no such record": "ese registro no existe",
  "no resolver on this server": "este servidor no tiene resolvedor DNS",
  "name needs the record to analyse": "para indicar un nombre hace falta el registro que analizar",
  "records must be a list of 1 to 20 SPF records": "records debe ser una lista de 1 a 20 registros SPF",
  "each record must be a string of at most 4096 characters": "cada registro debe ser un texto de 4096 caracteres como mucho",

  // auth/web_login.cpp: logging in, the password, two-factor authentication.
  "wrong login or password": "el usuario o la contraseña no son correctos",
  "wrong or already used second-factor code": "el código del segundo factor no es correcto o ya se ha usado",
  "this account is locked after too many failed logins; an administrator of your organisation can unlock it":
    "esta cuenta está bloqueada por demasiados intentos fallidos; un administrador de tu organización puede desbloquearla",
  "too many failed logins from this address; try again later": "demasiados intentos fallidos desde esta dirección; inténtalo más tarde",
  "enter the code of your authenticator app": "escribe el código de tu aplicación de autenticación",
  "the session has ended": "la sesión ha terminado",
  "an API token has no session to end; revoke the token instead": "un token de la API no tiene sesión que cerrar; revoca el token",
  "too many wrong passwords from this address; try again later": "demasiadas contraseñas incorrectas desde esta dirección; inténtalo más tarde",
  "wrong password": "la contraseña no es correcta",
  "two-factor authentication is already on; disable it first to enrol again": "la verificación en dos pasos ya está activada; desactívala antes de volver a configurarla",
  "no enrolment is waiting: start one first": "no hay ninguna configuración en curso: empieza una primero",
  "the code is not valid; check the time on your phone": "el código no es válido; comprueba la hora de tu teléfono",
  "your organisation requires two-factor authentication: it cannot be disabled": "tu organización exige la verificación en dos pasos: no se puede desactivar",
  "two-factor authentication is not on": "la verificación en dos pasos no está activada",
  "wrong or already used code": "el código no es correcto o ya se ha usado",
  "if the login and password are right and the account has a second factor or is locked, an administrator of your organisation has been asked to approve the recovery":
    "si el usuario y la contraseña son correctos y la cuenta tiene segundo factor o está bloqueada, se ha pedido a un administrador de tu organización que apruebe la recuperación",
  // Texts of the activity log (its detail column).
  "{} failed logins in a row": "{} intentos fallidos seguidos",
  "second factor turned off by an approved recovery": "segundo factor desactivado por una recuperación aprobada",
  "unknown login": "usuario desconocido",

  // auth/password.cpp
  "the password must be at least {} characters long": "la contraseña debe tener al menos {} caracteres",
  "the password must be at most {} characters long": "la contraseña debe tener como mucho {} caracteres",
  "the password must not contain control characters": "la contraseña no puede contener caracteres de control",
  "crypto library failed to start": "no se ha podido iniciar la biblioteca criptográfica",
  "out of memory while hashing the password": "no hay memoria suficiente para procesar la contraseña",

  // auth/device_password.cpp, auth/qr.cpp
  "a sealed secret is damaged": "un secreto cifrado está dañado",
  "a sealed secret does not open with this server's key": "un secreto cifrado no se abre con la clave de este servidor",
  "the text does not fit in a QR code": "el texto no cabe en un código QR",

  // auth/login.cpp, auth/mail_login.cpp: why a mail login or connection ends.
  "the mail service of this address is locked by its administrator": "el servicio de correo de esta dirección lo ha bloqueado su administrador",
  "this device password was revoked": "se ha revocado esta contraseña de dispositivo",
  "access to this address was revoked": "se ha revocado el acceso a esta dirección",
  "the mail service of this address is locked": "el servicio de correo de esta dirección está bloqueado",
  "this connection was ended from the account's session list": "esta conexión se cerró desde la lista de sesiones de la cuenta",

  // manage/authorize.cpp: who may do what.
  "only the server operator may do this": "solo el operador del servidor puede hacer esto",
  "only an administrator or legal representative of the organisation may do this": "solo un administrador o el representante legal de la organización puede hacer esto",
  "no such organisation": "esa organización no existe",
  "no such address": "esa dirección no existe",
  "no such domain": "ese dominio no existe",
  "no such user": "ese usuario no existe",

  // manage/access.cpp: access to addresses, device passwords.
  "'{}' is not a member of the organisation that owns '{}'": "'{}' no es miembro de la organización a la que pertenece '{}'",
  "'{}' is the login identifier of an account; it cannot be shared with other users": "'{}' es el identificador de inicio de sesión de una cuenta; no se puede compartir con otros usuarios",
  "{} has no access to {}": "{} no tiene acceso a {}",
  "'{}' has no access to '{}'; grant it first": "'{}' no tiene acceso a '{}'; dáselo primero",
  "a device label": "la etiqueta del dispositivo",

  // manage/domains.cpp: domains and their verification.
  "'{}' is under a domain of another organisation": "'{}' está bajo un dominio de otra organización",
  "no such mail service": "ese servicio de correo no existe",
  "the DNS lookup of {} failed; try again later": "la consulta DNS de {} ha fallado; inténtalo más tarde",
  "no TXT record \"{}\" at {} yet (DNS changes can take a while to appear)": "todavía no hay ningún registro TXT \"{}\" en {} (los cambios de DNS pueden tardar en verse)",

  // manage/security.cpp
  "the minimum lockout threshold must be between 1 and 100": "el umbral mínimo de bloqueo debe estar entre 1 y 100",
  "{} has not asked for a recovery": "{} no ha pedido una recuperación",
  "the account is unlocked": "la cuenta está desbloqueada",
  "was not locked": "no estaba bloqueada",

  // manage/services.cpp: mail services and addresses.
  "a mail service name": "el nombre del servicio de correo",
  "'{}' is not an address of the form name@domain": "'{}' no es una dirección de la forma nombre@dominio",
  "the domain '{}' is not in any mail service; add it first (estafeta admin domain add)": "el dominio '{}' no está en ningún servicio de correo; añádelo primero (estafeta admin domain add)",
  "the domain '{}' is not in any of your mail services": "el dominio '{}' no está en ninguno de tus servicios de correo",
  "the domain '{}' is not verified yet: publish a TXT record {} with \"{}\" and run 'estafeta admin domain verify {}'":
    "el dominio '{}' todavía no está verificado: publica un registro TXT {} con \"{}\" y ejecuta 'estafeta admin domain verify {}'",

  // manage/settings.cpp
  "nothing to change": "no hay nada que cambiar",

  // manage/users.cpp: users and organisations.
  "an organisation name": "el nombre de la organización",
  "a display name": "el nombre visible",
  "display name": "el nombre visible",
  "the address '{}' is shared with other users; it cannot be a login identifier": "la dirección '{}' se comparte con otros usuarios; no puede ser un identificador de inicio de sesión",
  "'{}' is inside a domain of another organisation; choose another login": "'{}' está en un dominio de otra organización; elige otro usuario",
  "'{}' does not end in a domain name": "'{}' no termina en un nombre de dominio",
  "this is the organisation's last administrator: name another one first": "es el último administrador de la organización: nombra a otro antes",
  "this is the last account of its organisation: delete the organisation instead": "es la última cuenta de su organización: elimina la organización en su lugar",

  // manage/validate.cpp: names, logins, labels, quotas.
  "'{}' is not a valid domain name: {}": "'{}' no es un nombre de dominio válido: {}",
  "it must be 1 to 253 characters long": "debe tener de 1 a 253 caracteres",
  "it needs at least two labels, like example.com": "necesita al menos dos etiquetas, como example.com",
  "each label must be 1 to 63 characters long": "cada etiqueta debe tener de 1 a 63 caracteres",
  "labels start and end with a letter or digit": "las etiquetas empiezan y terminan por una letra o un dígito",
  "only letters, digits, '-' and '.' are allowed": "solo se admiten letras, dígitos, '-' y '.'",
  "'{}' is not a valid local part: {}": "'{}' no es una parte local válida: {}",
  "it must be 1 to 64 characters long": "debe tener de 1 a 64 caracteres",
  "dots may not start, end or repeat": "los puntos no pueden ir al principio, al final ni seguidos",
  "the character '{}' is not allowed (only ASCII letters, digits and !#$%&'*+-/=?^_`{|}~.)": "no se admite el carácter '{}' (solo letras ASCII, dígitos y !#$%&'*+-/=?^_`{|}~.)",
  "the character '{}' is not allowed": "no se admite el carácter '{}'",
  "a login must be 1 to 254 characters long": "un usuario debe tener de 1 a 254 caracteres",
  "a login may not contain spaces, quotes, backslashes or control characters": "un usuario no puede contener espacios, comillas, barras invertidas ni caracteres de control",
  "{} must be 1 to {} characters long": "{} debe tener de 1 a {} caracteres",
  "{} may not contain control characters": "{} no puede contener caracteres de control",
  "'{}' is not a size: use octets or a number with K, M, G or T (like 500M), or none": "'{}' no es un tamaño: usa octetos o un número con K, M, G o T (como 500M), o none",
  "'{}' is not a number of messages (or none)": "'{}' no es un número de mensajes (ni none)",

  // manage/zones.cpp: zones and their records.
  "the name {} is outside the zone {}": "el nombre {} está fuera de la zona {}",
  "the domain {} has no DNS zone yet (estafeta dns zone create {})": "el dominio {} todavía no tiene zona DNS (estafeta dns zone create {})",
  "the domain {} is not verified yet; its zone is made once it is": "el dominio {} todavía no está verificado; su zona se crea cuando lo esté",
  "the domain {} has a DNS zone": "el dominio {} ya tiene zona DNS",
  "unknown record type '{}' (A, AAAA, CAA, CNAME, MX, NS, SOA, SRV, TXT)": "tipo de registro desconocido '{}' (A, AAAA, CAA, CNAME, MX, NS, SOA, SRV, TXT)",
  "{} record for {}: {}": "registro {} de {}: {}",
  "a zone has one SOA record, made with it: edit that one": "una zona tiene un solo registro SOA, creado con ella: edita ese",
  "no record {} in the zone {}": "no hay ningún registro {} en la zona {}",
  "the SOA record stays an SOA record, and no other record becomes one": "el registro SOA sigue siendo SOA, y ningún otro registro puede pasar a serlo",
  "the SOA record stays as long as the zone": "el registro SOA se queda mientras exista la zona",
  "the zone {} has no SPF record": "la zona {} no tiene registro SPF",

  // dns/zone_record.cpp: a record's value.
  "an escape \\DDD over 255": "un escape \\DDD mayor que 255",
  "a quoted string is not closed": "falta cerrar unas comillas",
  "{} must be a number from 0 to {}": "{} debe ser un número de 0 a {}",
  "the flags must be a number from 0 to {}": "los indicadores deben ser un número de 0 a {}",
  "the preference": "la preferencia",
  "the priority": "la prioridad",
  "the weight": "el peso",
  "the port": "el puerto",
  "the serial": "el número de serie",
  "expected {}": "se esperaba {}",
  "an address": "una dirección",
  "a host name": "un nombre de servidor",
  "\"preference host\" (e.g. \"10 mx.example.com\")": "\"preferencia servidor\" (p. ej. \"10 mx.example.com\")",
  "\"priority weight port target\"": "\"prioridad peso puerto destino\"",
  "'flags tag \"value\"' (e.g. '0 issue \"letsencrypt.org\"')": "'indicadores etiqueta \"valor\"' (p. ej. '0 issue \"letsencrypt.org\"')",
  "the root is not a valid target here": "la raíz no es un destino válido aquí",
  "a target cannot be a wildcard": "un destino no puede ser un comodín",
  "TXT: mix of quoted and unquoted text; quote every string": "TXT: mezcla texto entre comillas y sin ellas; pon cada cadena entre comillas",
  "TXT: longer than {} octets": "TXT: más largo de {} octetos",
  "a name is at most 253 octets": "un nombre tiene como mucho 253 octetos",
  "empty label in \"{}\"": "etiqueta vacía en \"{}\"",
  "a label is at most 63 octets": "una etiqueta tiene como mucho 63 octetos",
  "\"{}\": only letters, digits, '-' and '_' in names": "\"{}\": en los nombres solo hay letras, dígitos, '-' y '_'",
  "\"{}\" is not an IPv{} address": "\"{}\" no es una dirección IPv{}",
  "a CAA tag is 1 to 15 letters and digits": "una etiqueta CAA tiene de 1 a 15 letras y dígitos",
  "unsupported record type": "tipo de registro no admitido",

  // dns/zone_rules.cpp: the rules a zone keeps through every change.
  "{} is not inside the zone {}": "{} no está dentro de la zona {}",
  "a TTL is at most {} seconds": "un TTL es como mucho de {} segundos",
  "the record {} exists already": "el registro {} ya existe",
  "the SOA record belongs at the zone's apex": "el registro SOA va en el vértice de la zona",
  "the zone has its SOA record already: edit that one": "la zona ya tiene su registro SOA: edita ese",
  "a CNAME cannot be at the zone's apex (it must be alone at its name)": "un CNAME no puede estar en el vértice de la zona (tiene que estar solo en su nombre)",
  "a CNAME must be alone at its name, and {} is there": "un CNAME tiene que estar solo en su nombre, y ahí está {}",
  "{} points to {}: an {} target cannot be an alias (RFC 2181 §10.3)": "{} apunta a {}: el destino de un registro {} no puede ser un alias (RFC 2181 §10.3)",
  "{} is an alias (CNAME): nothing else can be at that name": "{} es un alias (CNAME): no puede haber nada más en ese nombre",
  "{} is an alias (CNAME): an {} target must be the host's own name (RFC 2181 §10.3)": "{} es un alias (CNAME): el destino de un registro {} debe ser el nombre propio del servidor (RFC 2181 §10.3)",
  "{} has an SPF record already ({}); a name can have only one (RFC 7208 §3.2): merge the two policies into one record (estafeta dns spf merge) and edit that record":
    "{} ya tiene un registro SPF ({}); un nombre solo puede tener uno (RFC 7208 §3.2): fusiona las dos políticas en un registro (estafeta dns spf merge) y edita ese registro",

  // dns/spf_tools.cpp: findings of the SPF analysis.
  "too many nested records: the walk stopped here": "demasiados registros anidados: el recorrido se ha parado aquí",
  "ptr is slow and unreliable; RFC 7208 §5.5 asks not to use it (use ip4:, ip6:, a or mx)": "ptr es lento y poco fiable; el RFC 7208 §5.5 pide no usarlo (usa ip4:, ip6:, a o mx)",
  "redirect= is ignored when the record has an all mechanism (RFC 7208 §6.1)": "redirect= no se tiene en cuenta cuando el registro tiene un mecanismo all (RFC 7208 §6.1)",
  "no all mechanism: senders the record does not list get neutral, as with ?all; end it with -all or ~all":
    "no hay mecanismo all: los remitentes que el registro no enumera obtienen neutral, como con ?all; termínalo con -all o ~all",
  "unknown modifier {}= is ignored by receivers": "los receptores no tienen en cuenta el modificador desconocido {}=",
  "+all lets every server on the Internet send as this domain": "+all deja que cualquier servidor de Internet envíe como este dominio",
  "?all says nothing about other senders; -all (reject) or ~all (suspicious) protects the domain": "?all no dice nada de los demás remitentes; -all (rechazar) o ~all (sospechoso) protegen el dominio",
  "{} does not exist or has no records (a void lookup)": "{} no existe o no tiene registros (una consulta sin resultado)",
  "{} has {} MX records; mx allows at most {} (RFC 7208 §4.6.4)": "{} tiene {} registros MX; mx admite como mucho {} (RFC 7208 §4.6.4)",
  "the target depends on each message (macros): its own lookups are not counted here": "el destino depende de cada mensaje (macros): sus propias consultas no se cuentan aquí",
  "{} is included twice or in a loop": "{} se incluye dos veces o en un bucle",
  "the record of {} could not be fetched now": "ahora no se ha podido obtener el registro de {}",
  "{} publishes several SPF records (permerror)": "{} publica varios registros SPF (permerror)",
  "{} has no SPF record: redirect= to it is a permerror (RFC 7208 §5.2, §6.1)": "{} no tiene registro SPF: un redirect= a él es un permerror (RFC 7208 §5.2, §6.1)",
  "{} has no SPF record: include: to it is a permerror (RFC 7208 §5.2, §6.1)": "{} no tiene registro SPF: un include: a él es un permerror (RFC 7208 §5.2, §6.1)",
  "{} DNS-querying terms: at most {} are allowed (RFC 7208 §4.6.4); receivers answer permerror. Remove includes, or flatten them into ip4:/ip6: terms":
    "{} términos que consultan el DNS: se admiten como mucho {} (RFC 7208 §4.6.4); los receptores responden permerror. Quita include o aplánalos en términos ip4:/ip6:",
  "{} lookups find nothing: at most 2 are allowed (RFC 7208 §4.6.4)": "{} consultas no encuentran nada: se admiten como mucho 2 (RFC 7208 §4.6.4)",
  // The merge of SPF policies: its refusals and its notes.
  "nothing to merge": "no hay nada que fusionar",
  "record {}: {}": "registro {}: {}",
  "{} appears with two qualifiers; {} is kept": "{} aparece con dos calificadores; se conserva {}",
  "{} appeared more than once; kept once": "{} aparecía más de una vez; se conserva una",
  "redirect={} became {}": "redirect={} se ha convertido en {}",
  "exp={} was dropped: one exp= is kept": "se ha quitado exp={}: solo se conserva un exp=",
  "the strictest all of the inputs is kept: {}all": "se conserva el all más estricto de las políticas: {}all",
  "{} lookups is over the limit of {}: the flattened record lists the addresses themselves; make it again whenever a provider changes its servers":
    "{} consultas superan el límite de {}: el registro aplanado enumera las propias direcciones; vuelve a generarlo cada vez que un proveedor cambie sus servidores",

  // dns/spf_record.cpp: an SPF record that does not parse ("… in \"term\"").
  "empty domain-spec in {}": "domain-spec vacío en {}",
  "domain-spec does not end in a valid top label in {}": "domain-spec no termina en una etiqueta de primer nivel válida en {}",
  "unknown mechanism in {}": "mecanismo desconocido en {}",
  "\"all\" takes no argument in {}": "\"all\" no lleva argumento en {}",
  "domain-spec required in {}": "falta domain-spec en {}",
  "unexpected text after \"ptr\" in {}": "texto inesperado después de \"ptr\" en {}",
  "malformed CIDR length in {}": "longitud CIDR mal formada en {}",
  "invalid IPv4 CIDR length in {}": "longitud CIDR IPv4 no válida en {}",
  "invalid IPv6 CIDR length in {}": "longitud CIDR IPv6 no válida en {}",
  "address required in {}": "falta la dirección en {}",
  "invalid IPv4 address in {}": "dirección IPv4 no válida en {}",
  "invalid IPv6 address in {}": "dirección IPv6 no válida en {}",
  "\"{}=\" given twice in {}": "\"{}=\" aparece dos veces en {}",
  "not an SPF record (no \"v=spf1\")": "no es un registro SPF (no empieza por \"v=spf1\")",

  // dns/dmarc.cpp: a DMARC record that does not parse (in the diagnostic).
  "not a DMARC record (v=DMARC1 first)": "no es un registro DMARC (debe empezar por v=DMARC1)",
  "rua= is not a list of URIs": "rua= no es una lista de URI",
  "ruf= is not a list of URIs": "ruf= no es una lista de URI",
  "p= is missing or not none, quarantine or reject": "falta p= o no es none, quarantine ni reject",
  "sp= is not none, quarantine or reject": "sp= no es none, quarantine ni reject",
  "{}= is not r or s": "{}= no es r ni s",
  "pct= is not a number from 0 to 100": "pct= no es un número de 0 a 100",

  // dns/cares: a lookup that failed (in the diagnostic and verification).
  "DNS lookup failed": "la consulta DNS ha fallado",

  // manage/diagnostic.cpp: the domain diagnostic, each item and its fix.
  "the name does not exist": "el nombre no existe",
  "the DNS lookup failed: {}": "la consulta DNS ha fallado: {}",
  "publish {} MX 10 {}": "publica {} MX 10 {}",
  "no MX record: mail to the domain goes nowhere": "no hay registro MX: el correo para el dominio no llega a ningún sitio",
  "the MX records point to {} and not to this server": "los registros MX apuntan a {} y no a este servidor",
  "replace them with {} MX 10 {}": "sustitúyelos por {} MX 10 {}",
  "mail goes to {}": "el correo va a {}",
  "no SPF record: receivers cannot tell this server may send for the domain": "no hay registro SPF: los receptores no pueden saber que este servidor puede enviar por el dominio",
  "publish {} TXT \"{}\"": "publica {} TXT \"{}\"",
  "{} SPF records: receivers treat that as an error (RFC 7208 §4.5)": "{} registros SPF: los receptores lo tratan como un error (RFC 7208 §4.5)",
  "replace them with one: {} TXT \"{}\"": "sustitúyelos por uno solo: {} TXT \"{}\"",
  "merge them into one record (estafeta dns spf merge)": "fusiónalos en un solo registro (estafeta dns spf merge)",
  "correct the record; estafeta dns spf check shows each problem": "corrige el registro; estafeta dns spf check muestra cada problema",
  "the SPF record does not allow this server ({}): {}": "el registro SPF no autoriza a este servidor ({}): {}",
  "add include:{} to it": "añádele include:{}",
  "the SPF record does not include this server's SPF host": "el registro SPF no incluye el nombre SPF de este servidor",
  "see estafeta dns spf check": "mira estafeta dns spf check",
  "one valid record, {} of 10 DNS lookups": "un registro válido, {} de 10 consultas DNS",
  "the {} key {} is not published: receivers cannot check its signatures": "la clave {} {} no está publicada: los receptores no pueden comprobar sus firmas",
  "the {} key {} is not published yet": "la clave {} {} todavía no está publicada",
  "{} holds another key than the {} key {}": "{} tiene otra clave distinta de la clave {} {}",
  "the {} key {} (published) is published": "la clave {} {} (publicada, todavía no firma) está publicada",
  "the {} key {} (active) is published": "la clave {} {} (activa) está publicada",
  "the {} key {} (retiring) is published": "la clave {} {} (retirándose) está publicada",
  "the {} key {} ({}) is published": "la clave {} {} ({}) está publicada",
  "the domain has no DKIM key: its mail is not signed": "el dominio no tiene clave DKIM: su correo no va firmado",
  "estafeta dns zone create {} (or dkim rotate) makes its keys": "estafeta dns zone create {} (o dkim rotate) crea sus claves",
  "publish {} TXT \"v=DMARC1; p=none\" (then p=quarantine once reports look right)": "publica {} TXT \"v=DMARC1; p=none\" (y después p=quarantine cuando los informes estén bien)",
  "no DMARC record: receivers apply their own rules to forged mail": "no hay registro DMARC: los receptores aplican sus propias reglas al correo falsificado",
  "several DMARC records: receivers ignore them all (RFC 7489 §6.6.3)": "varios registros DMARC: los receptores no hacen caso de ninguno (RFC 7489 §6.6.3)",
  "keep one": "deja uno solo",
  "the DMARC record is invalid: {}": "el registro DMARC no es válido: {}",
  "policy p={}": "política p={}",
  "mail clients find IMAP, submission and POP3 (RFC 6186)": "los clientes de correo encuentran IMAP, envío y POP3 (RFC 6186)",
  "{} of 4 service records missing or elsewhere": "{} de 4 registros de servicio faltan o apuntan a otro sitio",
  "publish {}": "publica {}",
  "autoconfig and autodiscover names resolve": "los nombres autoconfig y autodiscover se resuelven",
  "clients cannot configure themselves from the address alone": "los clientes no pueden configurarse solo con la dirección",
  "the certificate has expired": "el certificado ha caducado",
  "install a renewed certificate ([tls] cert, key)": "instala un certificado renovado ([tls] cert, key)",
  "the certificate is not valid for {}": "el certificado no es válido para {}",
  "install a certificate for {} ([tls] cert, key)": "instala un certificado para {} ([tls] cert, key)",
  "the certificate is self-signed: clients warn their users": "el certificado está autofirmado: los clientes avisan a sus usuarios",
  "install one from a certificate authority for {}": "instala uno de una autoridad de certificación para {}",
  "the certificate expires within 14 days": "el certificado caduca en menos de 14 días",
  "renew it": "renuévalo",
  "the certificate does not cover {}": "el certificado no cubre {}",
  "add it to the certificate (autoconfig over HTTPS)": "añádelo al certificado (autoconfig por HTTPS)",
  "valid for {}": "válido para {}",

  // store/sqlite: refusals of the store itself that reach the console (a domain with
  // addresses, a service with domains, what was already there or is gone).
  "the domain still has addresses; delete them first": "el dominio aún tiene direcciones; elimínalas primero",
  "the mail service still has domains; remove them first": "el servicio de correo aún tiene dominios; quítalos primero",
  "the domain has a zone already": "el dominio ya tiene una zona",
  "the user already has access to this address": "ese usuario ya tiene acceso a esta dirección",
  "no such access": "no existe ese acceso",
  "no such address or user": "no existe esa dirección o ese usuario",
  "no such device password (or already revoked)": "no existe esa contraseña de dispositivo (o ya se revocó)",
  "no such record in this zone": "ese registro no está en esta zona",
  "no such zone": "no existe esa zona",
  "no such DKIM key": "no existe esa clave DKIM",
};
