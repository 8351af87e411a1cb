import { render } from "preact";
import "./styles.css";
import { App } from "./ui/App";
import { boot } from "./state/session";

void boot();
render(<App />, document.getElementById("app")!);
