import assert from "node:assert/strict";
import { sharedData } from "../testing.ts";
import { extractTar, readTar, type TarEntry } from "./tar.ts";

/** Runs the system `tar` (the independent reference). */
async function sysTar(args: string[], cwd?: string): Promise<Uint8Array> {
  const out = await new Deno.Command("tar", { args, ...(cwd ? { cwd } : {}) }).output();
  if (!out.success) {
    throw new Error(`tar ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return out.stdout;
}

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Writes a small tree with short, prefix-splittable and very long names. */
async function makeTree(root: string, withLongBasename: boolean): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const deep = `deep/${"d".repeat(70)}/${"e".repeat(40)}`;
  files.set("a.txt", new TextEncoder().encode("hello\n"));
  files.set("dir/sub/b.bin", bytes(1000, 1));
  files.set("dir/empty", new Uint8Array(0));
  files.set("dir/block", bytes(512, 2));
  files.set(`${deep}/prefix_split_name.dat`, bytes(700, 3)); // > 100 chars, splittable
  if (withLongBasename) files.set(`${deep}/${"n".repeat(120)}.jpg`, bytes(3000, 4));
  for (const [name, data] of files) {
    const path = `${root}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(path, data);
  }
  await Deno.symlink("a.txt", `${root}/link_to_a`);
  return files;
}

Deno.test("readTar() reads what the system tar wrote, in each header format", async (t) => {
  const tmp = await Deno.makeTempDir();
  try {
    for (const format of ["gnu", "pax", "ustar"] as const) {
      const src = `${tmp}/${format}-src`;
      await Deno.mkdir(src);
      const files = await makeTree(src, format !== "ustar");
      for (const gz of [true, false]) {
        await t.step(`${format} ${gz ? ".tgz" : ".tar"}`, async () => {
          const archive = `${tmp}/${format}.${gz ? "tgz" : "tar"}`;
          await sysTar([`--format=${format}`, gz ? "-czf" : "-cf", archive, "-C", src, "."]);
          const seen = new Map<string, Uint8Array>();
          const types = new Map<string, TarEntry["type"]>();
          let last = 0;
          let total = 0;
          for await (
            const { entry, data } of readTar(archive, {
              onBytes: (r, n) => {
                assert.ok(r >= last, "bytes read never decrease");
                last = r;
                total = n;
              },
            })
          ) {
            types.set(entry.name, entry.type);
            if (entry.type === "file") {
              assert.ok(data, `${entry.name} has data`);
              assert.equal(entry.size, data.length);
              seen.set(entry.name, data);
            } else assert.equal(data, null);
            if (entry.name === "link_to_a") assert.equal(entry.linkName, "a.txt");
          }
          assert.equal(last, total, "the whole archive was read");
          assert.equal(total, (await Deno.stat(archive)).size);
          assert.deepEqual([...seen.keys()].sort(), [...files.keys()].sort());
          for (const [name, data] of files) assert.deepEqual(seen.get(name), data, name);
          assert.equal(types.get("link_to_a"), "symlink");
          assert.equal(types.get("dir/sub"), "directory");
        });
      }
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("extractTar() writes only selected members, renamed, and refuses to escape", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const src = `${tmp}/src`;
    await Deno.mkdir(src);
    const files = await makeTree(src, true);
    await sysTar(["-czf", `${tmp}/t.tgz`, "-C", src, "."]);
    const longName = [...files.keys()].find((n) => n.endsWith(".jpg"))!;
    const skipped: string[] = [];
    const written = await extractTar(`${tmp}/t.tgz`, `${tmp}/out`, {
      select: (e) => e.name !== "dir/block",
      rename: (e) => e.name.startsWith("dir/") ? `flat/${e.name.split("/").pop()}` : e.name,
      onFile: (_e, p) => skipped.push(p),
    });
    assert.deepEqual(
      written.sort(),
      [
        "a.txt",
        "flat/b.bin",
        "flat/empty",
        longName,
        longName.replace(/n+\.jpg$/, "prefix_split_name.dat"),
      ]
        .sort(),
    );
    assert.equal(skipped.length, written.length);
    assert.deepEqual(await Deno.readFile(`${tmp}/out/flat/b.bin`), files.get("dir/sub/b.bin"));
    assert.deepEqual(await Deno.readFile(`${tmp}/out/${longName}`), files.get(longName));
    await assert.rejects(Deno.stat(`${tmp}/out/dir/block`), Deno.errors.NotFound);
    await assert.rejects(
      () => extractTar(`${tmp}/t.tgz`, `${tmp}/out2`, { rename: (e) => `../${e.name}` }),
      /refusing to extract member "[^"]+" outside the destination/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("readTar() reports truncated, corrupt and missing archives naming the file", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const src = `${tmp}/src`;
    await Deno.mkdir(src);
    await Deno.writeFile(`${src}/big.bin`, bytes(20000, 5));
    await sysTar(["-cf", `${tmp}/t.tar`, "-C", src, "big.bin"]);
    const whole = await Deno.readFile(`${tmp}/t.tar`);
    await Deno.writeFile(`${tmp}/cut.tar`, whole.subarray(0, 512 + 9000));
    const drain = async (p: string) => {
      for await (const _ of readTar(p)) { /* read all */ }
    };
    await assert.rejects(
      () => drain(`${tmp}/cut.tar`),
      /Cannot read tar archive ".*cut\.tar": truncated in member "big\.bin" \(expected 20000 bytes\)/,
    );
    await sysTar(["-czf", `${tmp}/t.tgz`, "-C", src, "big.bin"]);
    const gz = await Deno.readFile(`${tmp}/t.tgz`);
    await Deno.writeFile(`${tmp}/cut.tgz`, gz.subarray(0, gz.length >> 1));
    await assert.rejects(() => drain(`${tmp}/cut.tgz`), /".*cut\.tgz": .*(truncated|corrupt)/);
    await Deno.writeFile(`${tmp}/junk.tar`, bytes(2048, 6));
    await assert.rejects(
      () => drain(`${tmp}/junk.tar`),
      /".*junk\.tar": bad header checksum at byte 0/,
    );
    await assert.rejects(() => drain(`${tmp}/none.tgz`), /".*none\.tgz": file not found/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

const { dir: shared, why } = sharedData();
Deno.test({
  name: `readTar() reads the first members of the real LFW-Parts tarballs${
    shared ? "" : ` (${why})`
  }`,
  ignore: !shared,
  async fn() {
    for (const name of ["parts_lfw_funneled_gt_images.tgz", "lfw-funneled-parts-subset.tgz"]) {
      const archive = `${shared}lfw-parts/${name}`;
      const got: { name: string; data: Uint8Array }[] = [];
      for await (const { entry, data } of readTar(archive)) {
        if (data) got.push({ name: entry.name, data });
        if (got.length === 2) break; // stops early: the stream is closed, not drained
      }
      // The reference: the system tar's listing and contents of the same members.
      const head = await new Deno.Command("bash", {
        args: ["-c", `tar -tzf '${archive}' | grep -v '/$' | head -n 2`],
      }).output();
      const listing = new TextDecoder().decode(head.stdout).split("\n").filter((l) => l);
      assert.deepEqual(got.map((g) => g.name), listing);
      for (const g of got) {
        assert.deepEqual(
          g.data,
          await sysTar(["--occurrence=1", "-xzOf", archive, g.name]),
          g.name,
        );
      }
      if (name.startsWith("parts")) {
        assert.equal(got[0]!.data.length, 187515);
        assert.equal(new TextDecoder().decode(got[0]!.data.subarray(0, 15)), "P6 250 250 255\n");
      } else assert.match(got[0]!.name, /^lfw_funneled\/([^/]+)\/\1_\d{4}\.jpg$/);
    }
  },
});
