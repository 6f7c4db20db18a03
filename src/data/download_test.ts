import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { writeSyntheticLfwParts } from "../../fixtures/lfw_parts.ts";
import { writeSyntheticPascalPerson } from "../../fixtures/pascal_person.ts";
import { main } from "./cli.ts";
import { downloadDataset, downloadFile, DOWNLOADS, parseChecksums } from "./download.ts";
import type { CheckReport } from "./types.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

/**
 * A file server on 127.0.0.1 with HTTP Range support and faults on demand: `cut` sends
 * the first half of a file under the full Content-Length and ends the body (once), `ignoreRange` answers
 * a Range request with the whole file.
 */
function serve(files: Map<string, Uint8Array>) {
  const faults = { cut: new Set<string>(), ignoreRange: false };
  const ranges: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const name = decodeURIComponent(new URL(req.url).pathname.slice(1));
    const body = files.get(name);
    if (!body) return new Response("not here", { status: 404, statusText: "Not Found" });
    const range = req.headers.get("range");
    if (range) ranges.push(`${name} ${range}`);
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(range ?? "");
    if (m && !faults.ignoreRange) start = Number(m[1]);
    if (start >= body.length && start > 0) {
      return new Response(null, {
        status: 416,
        headers: { "content-range": `bytes */${body.length}` },
      });
    }
    const rest = body.subarray(start);
    const headers: Record<string, string> = { "content-length": String(rest.length) };
    if (start > 0) headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
    if (faults.cut.delete(name)) {
      const half = rest.subarray(0, Math.floor(rest.length / 2));
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(half);
        },
        pull(c) {
          c.close();
        },
      });
      return new Response(stream, { status: start > 0 ? 206 : 200, headers });
    }
    return new Response(rest.slice(), { status: start > 0 ? 206 : 200, headers });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  return { url, faults, ranges, close: () => server.shutdown() };
}

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

Deno.test("downloadFile: a 404, a wrong checksum, a wrong size and a cut transfer are clear errors; a rerun resumes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clvm_download_" });
  const data = bytes(300_000, 7);
  const srv = serve(new Map([["a.tgz", data]]));
  try {
    const dest = join(dir, "a.tgz");
    await assert.rejects(
      downloadFile(`${srv.url}/missing.tgz`, dest, { progress: false }),
      /^Error: Cannot download http:\/\/127\.0\.0\.1:\d+\/missing\.tgz: HTTP 404 Not Found$/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);

    await assert.rejects(
      downloadFile(`${srv.url}/a.tgz`, dest, { sha256: "0".repeat(64), progress: false }),
      new RegExp(
        `SHA-256 of a\\.tgz from .* is ${sha(data)}, expected 0{64} .*; removed the download`,
      ),
    );
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing left as if complete");

    await assert.rejects(
      downloadFile(`${srv.url}/a.tgz`, dest, { bytes: 299_999, progress: false }),
      /a\.tgz from .* has 300000 bytes, expected 299999; removed it/,
    );
    assert.equal(await exists(dest), false);

    srv.faults.cut.add("a.tgz");
    await assert.rejects(
      downloadFile(`${srv.url}/a.tgz`, dest, { sha256: sha(data), progress: false }),
      /Download of a\.tgz from .* stopped at 150000 of 300000 bytes .*run the command again to resume from .*a\.tgz\.part/,
    );
    assert.equal(await exists(dest), false);
    assert.equal((await Deno.stat(`${dest}.part`)).size, 150_000);

    // A cut during the resumed transfer too, then a full resume.
    srv.faults.cut.add("a.tgz");
    await assert.rejects(
      downloadFile(`${srv.url}/a.tgz`, dest, { progress: false }),
      /stopped at 225000 of 300000/,
    );
    const done = await downloadFile(`${srv.url}/a.tgz`, dest, {
      sha256: sha(data),
      progress: false,
    });
    assert.equal(done.how, "resumed");
    assert.deepEqual(srv.ranges, ["a.tgz bytes=150000-", "a.tgz bytes=225000-"]);
    assert.deepEqual(await Deno.readFile(dest), data);
    assert.equal(await exists(`${dest}.part`), false);
    assert.equal(done.sha256, sha(data));

    const again = await downloadFile(`${srv.url}/a.tgz`, dest, {
      sha256: sha(data),
      progress: false,
    });
    assert.equal(again.how, "present");

    // A server that ignores Range sends the whole file, which replaces the part.
    const other = join(dir, "b.tgz");
    await Deno.writeFile(`${other}.part`, data.subarray(0, 1000));
    srv.faults.ignoreRange = true;
    const whole = await downloadFile(`${srv.url}/a.tgz`, other, {
      sha256: sha(data),
      progress: false,
    });
    assert.equal(whole.how, "fetched");
    assert.deepEqual(await Deno.readFile(other), data);
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the repository's LFW Part Labels checksums are those of the files as distributed", () => {
  const lfw = DOWNLOADS["lfw-parts"].archives;
  assert.deepEqual(lfw.map((a) => a.name), [
    "lfw-funneled.tgz",
    "parts_lfw_funneled_gt_images.tgz",
    "parts_train.txt",
    "parts_validation.txt",
    "parts_test.txt",
  ]);
  // The official SHA-256 values, as recorded beside the real downloads (docs/DATASETS.md).
  const official: Record<string, string> = {
    "parts_lfw_funneled_gt_images.tgz":
      "da3d5f5dc4a4ed88ff9563693d164007f639c861ced4e368128da198a290596e",
    "parts_train.txt": "14152e60ce630dec504b82327b56736e30127b63dc46c27875cf71710ac6b9c6",
    "parts_validation.txt": "37eb8f19471d0de1639a385264959ee23db46db9c690e4e8908c24b2e489a3d7",
    "parts_test.txt": "a57cd98de91b0a2e6116df647bed40090f7f5804b3d63e90b8e89fb3a6439a06",
  };
  for (const a of lfw) assert.equal(a.sha256, official[a.name] ?? null, a.name);
  for (const a of DOWNLOADS["pascal-person"].archives) assert.equal(a.sha256, null, a.name);
  assert.equal(DOWNLOADS.aflw.archives.length, 0);
  assert.deepEqual(parseChecksums(`# c\n${"AB".repeat(32)} *./x/y.tgz\n`, "S"), {
    "y.tgz": "ab".repeat(32),
  });
  assert.throws(
    () => parseChecksums("abc x\n", "SUMS"),
    /^Error: SUMS:1: expected "<sha256> {2}<name>"/,
  );
});

async function tgz(root: string, top: string, out: string) {
  const r = await new Deno.Command("tar", { args: ["czf", out, "-C", root, top] }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
}

/** A synthetic LFW-Parts set as its five official files (tarred and gzipped like them). */
async function lfwArchives(dir: string): Promise<Map<string, Uint8Array>> {
  const layout = join(dir, "layout");
  await writeSyntheticLfwParts(layout, {
    seed: 3,
    counts: { train: 6, val: 3, test: 3 },
  });
  const files = new Map<string, Uint8Array>();
  await tgz(layout, "lfw_funneled", join(dir, "lfw-funneled.tgz"));
  await tgz(layout, "parts_lfw_funneled_gt_images", join(dir, "parts_lfw_funneled_gt_images.tgz"));
  for (const f of ["lfw-funneled.tgz", "parts_lfw_funneled_gt_images.tgz"]) {
    files.set(f, await Deno.readFile(join(dir, f)));
  }
  for (const f of ["parts_train.txt", "parts_validation.txt", "parts_test.txt"]) {
    files.set(f, await Deno.readFile(join(layout, f)));
  }
  return files;
}

Deno.test("downloadDataset: a bad archive stops before anything is prepared; the CLI's AFLW says what to request", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clvm_download_ds_" });
  try {
    const files = await lfwArchives(dir);
    const srv = serve(files);
    try {
      const sums = Object.fromEntries([...files].map(([n, b]) => [n, sha(b)]));
      sums["parts_lfw_funneled_gt_images.tgz"] = "f".repeat(64);
      const to = join(dir, "data");
      await assert.rejects(
        downloadDataset("lfw-parts", {
          to,
          mirror: srv.url,
          checksums: sums,
          progress: false,
          log: () => {},
        }),
        /SHA-256 of parts_lfw_funneled_gt_images\.tgz/,
      );
      const left = [...Deno.readDirSync(join(to, "lfw-parts"))].map((e) => e.name).sort();
      assert.deepEqual(
        left,
        ["lfw-funneled.tgz"],
        "only the sound archive stays; nothing extracted",
      );
      await assert.rejects(
        downloadDataset("lfw-parts", {
          to,
          mirror: srv.url,
          checksums: {},
          progress: false,
          log: () => {},
        }),
        /The checksums given have no SHA-256 for lfw-funneled\.tgz/,
      );
    } finally {
      await srv.close();
    }
    let err = "";
    const code = await main(["download", "aflw", "--to", join(dir, "data")], {
      stdout: () => {},
      stderr: (t) => void (err += t),
    });
    assert.equal(code, 1);
    assert.match(err, /registration|Register/);
    assert.ok(err.includes(join(dir, "data", "aflw", "data", "aflw.sqlite")), err);
    // Without --to, the default data root: $CLVM_DATA (else ./data in the checkout).
    const saved = Deno.env.get("CLVM_DATA");
    Deno.env.set("CLVM_DATA", join(dir, "env-root"));
    try {
      err = "";
      await main(["download", "aflw"], { stdout: () => {}, stderr: (t) => void (err += t) });
      assert.ok(err.includes(join(dir, "env-root", "aflw", "data", "aflw.sqlite")), err);
    } finally {
      if (saved === undefined) Deno.env.delete("CLVM_DATA");
      else Deno.env.set("CLVM_DATA", saved);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "end to end: data download lfw-parts --mirror from 127.0.0.1, then a reproduce smoke run on it",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "clvm_download_e2e_" });
    try {
      const files = await lfwArchives(dir);
      const sums = join(dir, "SHA256SUMS");
      await Deno.writeTextFile(sums, [...files].map(([n, b]) => `${sha(b)}  ${n}\n`).join(""));
      const srv = serve(files);
      const to = join(dir, "data");
      let out = "", err = "";
      const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t) };
      try {
        const args = [
          "download",
          "lfw-parts",
          "--to",
          to,
          "--mirror",
          srv.url,
          "--checksums",
          sums,
          "--no-progress",
        ];
        assert.equal(await main(args, io), 0, err + out);
        const report: CheckReport = JSON.parse(out);
        assert.deepEqual(report.splits, { train: 6, val: 3, test: 3 });
        assert.deepEqual(report.problems, []);
        // A second run finds everything in place.
        out = "";
        assert.equal(await main(args, io), 0, err);
        assert.match(err, /already here \(SHA-256 matches\)/);
      } finally {
        await srv.close();
      }
      const results = join(dir, "results");
      const child = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          ...[
            "--allow-read",
            "--allow-write",
            "--allow-env",
            "--allow-run",
            "--allow-sys",
            "--allow-ffi",
          ],
          new URL("../../reproduce/main.ts", import.meta.url).pathname,
          ...["lfw-parts", "--profile", "smoke", "--backend", "cpu", "--variants", "CLVM1-seg"],
          ...["--data-root", to, "--out", results],
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(child.stderr);
      assert.equal(child.code, 0, stderr.slice(-3000));
      const r = JSON.parse(await Deno.readTextFile(join(results, "results.json")));
      const lfw = r.protocols["lfw-parts"];
      assert.equal(lfw.status, "ok");
      assert.equal(lfw.data.kind, "real");
      assert.ok(lfw.data.root.startsWith(join(to, "lfw-parts")), lfw.data.root);
      assert.equal(lfw.testImages, 3);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("downloadDataset pascal-person: the three archives extracted into the layout (VOC's TrainVal/ dropped), a bad one leaves nothing half-extracted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clvm_download_pascal_" });
  try {
    const layout = join(dir, "layout");
    await writeSyntheticPascalPerson(layout, { seed: 2, images: 20, size: 96 });
    // The VOC archive holds TrainVal/VOCdevkit/…, as the official one does.
    await Deno.mkdir(join(dir, "voc", "TrainVal"), { recursive: true });
    await Deno.rename(join(layout, "VOCdevkit"), join(dir, "voc", "TrainVal", "VOCdevkit"));
    const files = new Map<string, Uint8Array>();
    const make = async (name: string, root: string, top: string, gzip: boolean) => {
      const r = await new Deno.Command("tar", {
        args: [gzip ? "czf" : "cf", join(dir, name), "-C", root, top],
      }).output();
      assert.ok(r.success);
      files.set(name, await Deno.readFile(join(dir, name)));
    };
    await make("VOCtrainval_25-May-2011.tar", join(dir, "voc"), "TrainVal", false);
    await make("benchmark.tgz", layout, "benchmark_RELEASE", true);
    await make("voc2011_keypoints_Feb2012.tgz", layout, "annotations", true);
    const sums = Object.fromEntries([...files].map(([n, b]) => [n, sha(b)]));
    const srv = serve(files);
    const to = join(dir, "data");
    const quiet = { progress: false, log: () => {} };
    try {
      // A truncated last archive: the first two are extracted, the third is not, and the
      // dataset is not recognizable as complete.
      const cut = files.get("voc2011_keypoints_Feb2012.tgz")!;
      files.set("voc2011_keypoints_Feb2012.tgz", cut.subarray(0, cut.length >> 1));
      await assert.rejects(
        downloadDataset("pascal-person", { to, mirror: srv.url, checksums: sums, ...quiet }),
        /SHA-256 of voc2011_keypoints_Feb2012\.tgz/,
      );
      const root = join(to, "pascal-person");
      assert.equal(await exists(join(root, "annotations")), false);
      assert.equal(
        await exists(join(root, "VOCdevkit")),
        false,
        "nothing extracted before all are sound",
      );
      files.set("voc2011_keypoints_Feb2012.tgz", cut);
      const done = await downloadDataset("pascal-person", {
        to,
        mirror: srv.url,
        checksums: sums,
        ...quiet,
      });
      assert.equal(done.ok, true);
      assert.deepEqual(done.report!.problems, []);
      assert.ok(
        done.report!.splits.train > 0 && done.report!.splits.test > 0,
        JSON.stringify(done.report!.splits),
      );
      for (
        const d of [
          "VOCdevkit/VOC2011/Annotations",
          "benchmark_RELEASE/dataset/inst",
          "annotations/person",
        ]
      ) {
        assert.ok(await exists(join(root, d)), d);
      }
      const left = [...Deno.readDirSync(root)].map((e) => e.name).filter((n) =>
        n.startsWith(".extracting")
      );
      assert.deepEqual(left, []);
    } finally {
      await srv.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
