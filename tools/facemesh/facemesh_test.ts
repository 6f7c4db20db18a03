// The FaceMesh tool on 2 real LFW-Parts images (skipped without CLVM_DATA). Run from
// the repository root: deno test --config tools/facemesh/deno.json -A tools/facemesh/
import assert from "node:assert/strict";
import { join } from "node:path";
import { sharedData } from "../../src/testing.ts";
import { tf } from "../../src/deps.ts";
import { initBackend } from "../../src/backend.ts";
import { keypointsInFace, LFW_PARTS_KEYPOINT_NAMES } from "../../src/data/lfw_parts/keypoints.ts";
import { prepareLfwParts } from "../../src/data/lfw_parts/prepare.ts";
import { loadLfwPartsSample } from "../../src/data/lfw_parts/sample.ts";
import { loadFaceMesh } from "./facemesh.ts";
import { detectKeypoints } from "./keypoints.ts";

const { dir: shared, why } = sharedData();
const at = (name: string) => LFW_PARTS_KEYPOINT_NAMES.indexOf(name);

Deno.test({
  name: `FaceMesh puts the 19 keypoints on the faces of 2 real LFW-Parts images${
    shared ? "" : ` (${why})`
  }`,
  ignore: !shared,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "facemesh_" });
    await initBackend("wasm");
    const fm = await loadFaceMesh();
    const before = tf.memory().numTensors;
    try {
      await prepareLfwParts({ from: join(shared!, "lfw-parts"), root });
      for (const id of ["Dianne_Feinstein_0002", "Abel_Pacheco_0001"]) {
        const s = await loadLfwPartsSample(root, id, false);
        const { keypoints: k, score } = await detectKeypoints(fm, s.image);
        assert.ok(score > 0.9, `${id}: face score ${score}`);
        assert.equal(k.length, 19 * 3);
        // The hand-labelled mask is the independent reference: every point on skin or
        // hair (dilated 5 px), none on the background far from the face.
        const r = keypointsInFace(k, s.segmentation!, 250, 250, 5);
        assert.equal(r.visible, 19, id);
        assert.equal(r.inside, 19, id);
        const x = (n: string) => k[3 * at(n)]!, y = (n: string) => k[3 * at(n) + 1]!;
        // Viewer's left is left; brows above eyes above nose above mouth above chin.
        assert.ok(x("LeftEyeLeftCorner") < x("LeftEyeRightCorner"), id);
        assert.ok(x("LeftEyeRightCorner") < x("RightEyeLeftCorner"), id);
        assert.ok(x("MouthLeftCorner") < x("MouthRightCorner"), id);
        assert.ok(y("LeftBrowCenter") < y("LeftEyeCenter"), id);
        assert.ok(y("LeftEyeCenter") < y("NoseCenter"), id);
        assert.ok(y("NoseCenter") < y("MouthCenter"), id);
        assert.ok(y("MouthCenter") < y("ChinCenter"), id);
        // Eye distance of a funneled face: roughly 40–60 px of the 250 frame.
        const eyes = x("RightEyeCenter") - x("LeftEyeCenter");
        assert.ok(eyes > 30 && eyes < 70, `${id}: eye distance ${eyes}`);
      }
      assert.equal(tf.memory().numTensors, before);
    } finally {
      fm.dispose();
      await Deno.remove(root, { recursive: true });
    }
  },
});
