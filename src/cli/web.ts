// `vm7 web`: serves the web page (web/dist, built by `npm run web`) on 127.0.0.1, with Debian's Linux
// beside it: the kernel's raw Image, busybox and our guest programs, fetched and cached as `vm7 linux`
// does, under /linux/ (the page builds the initramfs itself, as vm7 linux does). Prints the URL.
import type { Command } from "commander";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createReadStream, existsSync, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { getKernel, getBusybox } from "../linux/fetch.js";
import { guestPrograms } from "../linux/guest.js";
import { EXIT_BAD_INPUT, parseNumber } from "./common.js";

/** The built page. */
export const webRoot = fileURLToPath(new URL("../../web/dist/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm", ".map": "application/json", ".json": "application/json", ".svg": "image/svg+xml",
};

/** What the page finds at /linux/manifest.json: where the kernel, busybox and guest programs are. */
export interface LinuxManifest { version: string; textOffset: number; image: string; busybox: string; programs: Record<string, string> }

/** Files served under /linux/ (URL path -> bytes or host file), and the manifest; or why there is no Linux. */
export type LinuxFiles = { manifest: LinuxManifest; files: Map<string, string | Uint8Array> } | { error: string };

/** Gets Debian's kernel and busybox as `vm7 linux` does (apt, cached in ~/.cache/vm7). */
export function prepareLinux(log: (s: string) => void): LinuxFiles {
  try {
    const k = getKernel(log), bb = getBusybox(log);
    const files = new Map<string, string | Uint8Array>([["/linux/Image", k.image], ["/linux/busybox", bb]]);
    const programs: Record<string, string> = {};
    for (const [path, bytes] of Object.entries(guestPrograms())) { files.set(`/linux/${path}`, bytes); programs[path] = `linux/${path}`; }
    return { manifest: { version: k.version, textOffset: k.textOffset, image: "linux/Image", busybox: "linux/busybox", programs }, files };
  } catch (e) { return { error: (e as Error).message }; }
}

/** The HTTP handler: the page's static files and /linux/. */
export function webHandler(root: string, linux: LinuxFiles) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const send = (status: number, type: string, body: string | Uint8Array) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-cache" });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "text/plain", "GET only\n");
    let path: string;
    try { path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname); } catch { return send(400, "text/plain", "bad URL\n"); }
    if (path === "/linux/manifest.json") {
      return "error" in linux ? send(404, "application/json", JSON.stringify({ error: linux.error })) : send(200, "application/json", JSON.stringify(linux.manifest));
    }
    const extra = "files" in linux ? linux.files.get(path) : undefined;
    if (extra instanceof Uint8Array) return send(200, "application/octet-stream", extra);
    const file = extra ?? normalize(join(root, path === "/" ? "index.html" : path));
    if (extra === undefined && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return send(403, "text/plain", "outside the site\n");
    let st;
    try { st = statSync(file); } catch { return send(404, "text/plain", `${path}: not found\n`); }
    if (!st.isFile()) return send(404, "text/plain", `${path}: not found\n`);
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "content-length": st.size, "cache-control": "no-cache" });
    if (req.method === "HEAD") { res.end(); return; }
    createReadStream(file).pipe(res);
  };
}

interface WebOpts { port: number; linux: boolean }

export function webCommand(program: Command, setStatus: (s: number) => void): void {
  program.command("web")
    .description("serve vm7's web page on 127.0.0.1 and print its URL: the emulator in a Web Worker, a terminal on " +
      "UART3, hello, the tiny kernel, your own images and Debian's Linux (fetched and cached as `vm7 linux` does), live " +
      "VMM figures, the benchmark suites in three modes. `npm run web` builds the page (web/dist: a static site any " +
      "server can serve, without Linux).")
    .option("--port <n>", "TCP port (0: any free one)", parseNumber("--port", { max: 65535 }), 8780)
    .option("--no-linux", "do not fetch Debian's Linux (the page offers hello, the tiny kernel and your files)")
    .addHelpText("after", "\nURL parameters start a run without clicks:\n  ?boot=hello|kernel|linux&mode=native|full|para&exec=CMD\n" +
      "  (&clock=virtual|wall, &engine=NAME, &bench=quick|full); docs/web.md has the rest.\n" +
      "Ctrl-C stops the server.")
    .action(async (o: WebOpts) => { setStatus(await serve(o)); });
}

async function serve(o: WebOpts): Promise<number> {
  const log = (s: string) => process.stderr.write(`vm7: ${s}\n`);
  if (!existsSync(join(webRoot, "index.html"))) {
    log(`the web page is not built (${webRoot} has no index.html): run 'npm run web' first`);
    return EXIT_BAD_INPUT;
  }
  let linux: LinuxFiles = { error: "vm7 web --no-linux" };
  if (o.linux) {
    log("web: getting Debian's Linux (as vm7 linux does; cached after the first time)");
    linux = prepareLinux(log);
    if ("error" in linux) log(`web: serving without Linux: ${linux.error}`);
  }
  const server = createServer(webHandler(webRoot, linux));
  await new Promise<void>((res, rej) => { server.once("error", rej); server.listen(o.port, "127.0.0.1", () => res()); })
    .catch((e: NodeJS.ErrnoException) => { log(`web: cannot listen on 127.0.0.1:${o.port}: ${e.code === "EADDRINUSE" ? "the port is in use (try --port 0)" : e.message}`); });
  if (!server.listening) return EXIT_BAD_INPUT;
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : o.port;
  process.stdout.write(`http://127.0.0.1:${port}/\n`);
  await new Promise<void>((res) => { process.once("SIGINT", res); process.once("SIGTERM", res); });
  server.close();
  server.closeAllConnections();
  return 0;
}
