import assert from "node:assert/strict";
import { extname, join, normalize } from "node:path";

const ROOT = new URL("../", import.meta.url).pathname;
const TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
};

Deno.test({
  name: "mod.ts imports over HTTP from a folder with no deno.json, and predicts",
  // Spawns Deno and serves files; slow-ish (a fresh type-free module graph).
  fn: async () => {
    const controller = new AbortController();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen: () => {} },
      async (request) => {
        const path = normalize(decodeURIComponent(new URL(request.url).pathname));
        if (path.includes("..")) return new Response("no", { status: 403 });
        try {
          const body = await Deno.readFile(join(ROOT, path));
          const type = TYPES[extname(path)] ?? "application/octet-stream";
          return new Response(body, { headers: { "content-type": type } });
        } catch {
          return new Response("not found", { status: 404 });
        }
      },
    );
    const { port } = server.addr as Deno.NetAddr;
    const dir = await Deno.makeTempDir();
    try {
      const script = join(dir, "use.ts");
      await Deno.writeTextFile(
        script,
        `import * as tf from "npm:@tensorflow/tfjs-core@4.22.0";
import { createCLVM, initBackend } from "http://127.0.0.1:${port}/mod.ts";
await initBackend("cpu");
const clvm = createCLVM({ variant: "M-CLVM2", architecture: "tiny", seed: 2 });
const out = clvm.predict(tf.ones([1, 16, 16, 3]));
console.log(JSON.stringify({ seg: out.segmentation!.shape, kp: out.keypoints!.shape }));
`,
      );
      const child = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-config",
          "--quiet",
          `--allow-import=127.0.0.1:${port}`,
          "--allow-read",
          "--allow-env",
          "--allow-sys",
          "--allow-net=127.0.0.1",
          script,
        ],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(child.stdout);
      const stderr = new TextDecoder().decode(child.stderr);
      assert.equal(child.code, 0, `child failed:\n${stderr}`);
      const line = stdout.trim().split("\n").at(-1)!;
      assert.deepEqual(JSON.parse(line), { seg: [1, 16, 16, 3], kp: [1, 4, 4, 21] });
    } finally {
      controller.abort();
      await server.finished;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
