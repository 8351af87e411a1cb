"""A JMAP WebSocket client (RFC 8887) on Debian's websocket-client, for
test_jmap_push: sends a Request and checks the Response's requestId, enables
push, prints "ready", waits for "go" on stdin (the test makes a change),
then expects a StateChange and prints "statechange".
With --after-go-refused: after "go" (the test has revoked the access or
locked the service) a Request for the account must get no answer: the
server closes the socket; prints "closed" (or "answered" and fails).
With --flood: after "go", sends large Core/echo requests and reads none of
the answers, until the server closes the socket (prints "closed N S": after
N requests, S seconds) or a send waits 120 s (prints "open N").
Usage: ws_client.py [--after-go-refused | --flood] URL AUTHORIZATION ACCOUNT"""

import json
import sys
import time

import websocket  # python3-websocket

args = sys.argv[1:]
refused_mode = args[0] == "--after-go-refused"
flood_mode = args[0] == "--flood"
if refused_mode or flood_mode:
    args = args[1:]
url, authorization, account = args[:3]
ws = websocket.create_connection(url, header=["Authorization: " + authorization], subprotocols=["jmap"], timeout=10)
if ws.getsubprotocol() != "jmap":
    sys.exit("the server did not choose the jmap subprotocol: %r" % ws.getsubprotocol())
ws.send(json.dumps({"@type": "Request", "id": "r1", "using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"],
                    "methodCalls": [["Mailbox/get", {"accountId": account}, "0"]]}))
answer = json.loads(ws.recv())
if answer.get("@type") != "Response" or answer.get("requestId") != "r1":
    sys.exit("unexpected answer: %r" % answer)
if answer["methodResponses"][0][0] != "Mailbox/get":
    sys.exit("unexpected method response: %r" % answer)
ws.send(json.dumps({"@type": "WebSocketPushEnable", "dataTypes": None}))
ws.send("not json")
error = json.loads(ws.recv())
if error.get("@type") != "RequestError" or error.get("type") != "urn:ietf:params:jmap:error:notJSON":
    sys.exit("expected a notJSON RequestError for a message that is not JSON: %r" % error)
ws.send(json.dumps({"@type": "Nonsense"}))
error = json.loads(ws.recv())
if error.get("@type") != "RequestError" or error.get("type") != "urn:ietf:params:jmap:error:notRequest":
    sys.exit("expected a notRequest RequestError for an object of no known type: %r" % error)
print("ready", flush=True)
sys.stdin.readline()
if flood_mode:
    echo = json.dumps({"@type": "Request", "using": ["urn:ietf:params:jmap:core"],
                       "methodCalls": [["Core/echo", {"pad": "x" * (2 * 1024 * 1024)}, "0"]]})
    ws.settimeout(120)  # a send blocks while the server reads nothing; an interrupted one would break the framing
    start, sent = time.monotonic(), 0
    try:
        while True:
            ws.send(echo)
            sent += 1
    except websocket.WebSocketTimeoutException:
        print("open %d" % sent, flush=True)
    except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
        print("closed %d %.1f" % (sent, time.monotonic() - start), flush=True)
    sys.exit(0)
if refused_mode:
    try:
        ws.send(json.dumps({"@type": "Request", "id": "r2", "using": ["urn:ietf:params:jmap:core",
                                                                      "urn:ietf:params:jmap:mail"],
                            "methodCalls": [["Email/query", {"accountId": account}, "0"]]}))
        while True:  # a StateChange may come first; a Response must not
            message = json.loads(ws.recv())
            if message.get("@type") != "StateChange":
                print("answered", flush=True)
                sys.exit("a request after the change was answered: %r" % message)
    except (websocket.WebSocketConnectionClosedException, ConnectionError, ValueError):
        # ValueError: recv() returns "" once the close frame arrives.
        print("closed", flush=True)
        sys.exit(0)
message = json.loads(ws.recv())
if message.get("@type") != "StateChange" or account not in message.get("changed", {}):
    sys.exit("expected a StateChange: %r" % message)
print("statechange", flush=True)
ws.close()
