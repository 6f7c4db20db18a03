/**
 * The trainer: epochs of SGD over a dataset with a seeded shuffle, validation every
 * epoch, best-on-validation and last checkpoints, a progress bar, and a JSON-lines log.
 *
 * A run writes into its `out` folder:
 *
 * - `last.ckpt`: the state after the last finished epoch (and every `checkpointEvery`
 *   steps within one): weights, SGD velocities, epoch and step, the shuffle generator's
 *   state, and the resolved config. `resume` continues from it; the resumed run is the
 *   continuous run, bit for bit (the shuffle of an epoch is regenerated from the saved
 *   generator state, and batches already done in it are skipped).
 * - `best.ckpt`: the same, of the epoch with the lowest validation loss so far.
 * - `log.jsonl`: one JSON object per line — `start`/`resume` events, one `epoch` record
 *   per epoch (train and validation losses, pixel accuracy and/or keypoint error,
 *   images/s, `tf.memory()`), and a `diverged` event if the loss became NaN or infinite.
 *
 * - `.clvm-lock`: while a run writes the folder, its pid, host and start time
 *   (`src/util/lock.ts`); a second writer is refused.
 *
 * Both checkpoints are ordinary CLVM checkpoints: `loadCheckpoint` opens them.
 *
 * A NaN or infinite loss stops the run before the step is applied, with a
 * {@link TrainingDivergedError} naming the step; nothing written before is touched.
 *
 * @module
 */
import { join } from "node:path";
import { tf } from "../deps.ts";
import type { BackendName } from "../backend.ts";
import { type CLVM, createCLVM } from "../clvm/model.ts";
import { restoreWeights } from "../clvm/checkpoint.ts";
import { mixSeed } from "../util/prng.ts";
import { batchCount, batches } from "../data/batches.ts";
import { createPreprocessor } from "../data/preprocess.ts";
import { isDecayed } from "./losses.ts";
import { SGD } from "./sgd.ts";
import { initKeypointBias } from "./head_init.ts";
import { guardAgainstBaselines } from "./baseline_guard.ts";
import { disposeBatch, toTensors } from "./_inputs.ts";
import type { TrainData } from "./_datasets.ts";
import { createProgress } from "../util/progress.ts";
import { acquireLock } from "../util/lock.ts";
import { makeRunDir, runDirState } from "../util/run_dir.ts";
import { modelOptions, presetModel, resolveConfig, type TrainOptions } from "./train_config.ts";
import { batchSpec, type Losses, type StepResult, trainStep } from "./step.ts";
import { evaluate } from "./validation.ts";
import { recomputeBatchNormAverages } from "./batch_norm_averages.ts";
import { skipUnreadable } from "./data_problems.ts";
import { backendForRun } from "./prepare_backend.ts";
import { TrainingDivergedError } from "./diverged.ts";
import type { EpochRecord, TrainResult } from "./run_records.ts";
import { FORMAT, type TrainState, zeroAccum } from "./_train_state.ts";
import { learningRateAt } from "./lr_schedule.ts";
import {
  appendLog,
  checkResumable,
  openRunFolder,
  pruneLog,
  type RunPaths,
  runPaths,
  writeTrainCheckpoint,
} from "./_run_folder.ts";

// The trainer's parts live in their own files; their names stay importable from here, as
// they were before the split (tests and src/kernels/ import them by this path).
export {
  type DataIdentity,
  dataIdentity,
  modelOptions,
  type ModelSettings,
  modelSettings,
  presetModel,
  splitFingerprint,
  type TrainConfig,
  type TrainOptions,
} from "./train_config.ts";
export { batchSpec, type Losses, type StepResult, trainStep } from "./step.ts";
export { evaluate, type Validation } from "./validation.ts";
export { skipUnreadable, warnAboutProblems } from "./data_problems.ts";
export { prepareBackendForTraining } from "./prepare_backend.ts";
export { TrainingDivergedError } from "./diverged.ts";
export type { EpochRecord, TrainResult } from "./run_records.ts";
export { resumeConflicts, ResumeError } from "./resume.ts";
export type { TrainData } from "./_datasets.ts";
export type { Batch, BatchSpec } from "./_inputs.ts";

/**
 * Trains a variant on a dataset (see the module doc for what lands in `out`).
 *
 * `out` has one writer: `train` holds its lock file (`src/util/lock.ts`) while it runs, and
 * a second writer is refused naming the first. A new run refuses an `out` that holds one
 * (`last.ckpt`, `best.ckpt` or `done.json`) unless `force`, which moves those files aside.
 *
 * With `resume`, continues `out/last.ckpt`. The options given must agree with it (all but
 * `epochs`, `progress`, `log`, `checkpointEvery`, `stopAfterSteps`), and so must the data
 * (the split lists' fingerprints), the backend (left out: the checkpoint's), the log's
 * start record and `best.ckpt`: a difference is a {@link ResumeError} naming the fields.
 * A missing or corrupt `best.ckpt` is rewritten from `last.ckpt` when they hold the same
 * epoch, and is otherwise a {@link ResumeError} of kind `corrupt`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openToyDataset } from "./toy_dataset.ts";
 * import { train } from "./trainer.ts";
 * const out = await Deno.makeTempDir();
 * const data = {
 *   name: "toy-shapes",
 *   train: openToyDataset("train", 4, 16),
 *   val: openToyDataset("val", 2, 16),
 *   preprocess: { size: 16, crop: "image" as const },
 * };
 * const result = await train({
 *   variant: "CLVM1-seg", dataset: data, epochs: 1, batchSize: 2, out, backend: "cpu",
 * });
 * assert.equal(result.step, 2); // 4 images, 2 a step
 * assert.deepEqual(result.best?.epoch, 1);
 * assert.equal(result.history[0]!.val.images, 2);
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  if (!options || typeof options.out !== "string" || !options.out) {
    throw new Error("Cannot train: options.out (the run's folder) is required");
  }
  const log = options.log ?? (() => {});
  if ((await runDirState(options.out)) === "missing" && options.resume) {
    throw new Error(
      `Cannot resume: "${
        join(options.out, "last.ckpt")
      }" does not exist (start without --resume to begin a run)`,
    );
  }
  await makeRunDir(options.out);
  const what = typeof options.variant === "string" ? `train ${options.variant}` : "train";
  const lock = await acquireLock(options.out, what, log);
  try {
    return await trainLocked(options, log);
  } finally {
    await lock.release();
  }
}

async function trainLocked(
  options: TrainOptions,
  log: (message: string) => void,
): Promise<TrainResult> {
  const out = options.out;
  const paths = runPaths(out);

  // 1. The saved state, when resuming; a new run never overwrites an old one.
  const saved = await openRunFolder(out, paths, options, log);

  // 2. The config: the options, or the checkpoint's for what they leave out.
  const { config, data } = await resolveConfig(options, saved?.state.config, log);
  const { variant, architecture, recipe } = config;
  const inputSize = config.preprocess.size;
  if (saved) await checkResumable(paths, saved.state, config, log);

  // 3. Backend, model, optimizer.
  const { report, label: onBackend, threadsField } = await backendForRun(
    options,
    saved?.state.backend,
    paths.last,
    log,
  );
  const clvm = createCLVM(modelOptions(config));
  initKeypointBias(clvm, recipe, inputSize);
  const sgd = new SGD(clvm.trainableVariables(), {
    learningRate: recipe.learningRate,
    momentum: recipe.momentum,
    weightDecay: recipe.weightDecay,
    decays: isDecayed,
  });
  try {
    let state: TrainState = {
      format: FORMAT,
      config,
      epoch: 0,
      batchInEpoch: 0,
      step: 0,
      shuffleSeed: mixSeed(config.seed, 0x5af1e),
      accum: zeroAccum(),
      best: null,
      optimizer: { iterations: 0 },
      backend: report.name,
    };
    if (saved) {
      restoreWeights(clvm, saved.contents, paths.last);
      sgd.setState(
        { iterations: saved.state.optimizer.iterations, tensors: saved.contents.tensors },
        `checkpoint "${paths.last}"`,
      );
      state = { ...saved.state, config, backend: report.name };
      await pruneLog(paths.log, state.epoch);
      await appendLog(paths.log, {
        event: "resume",
        epoch: state.epoch,
        batchInEpoch: state.batchInEpoch,
        step: state.step,
        epochs: config.epochs,
        backend: report.name,
        ...threadsField,
        time: new Date().toISOString(),
      });
      log(
        `Resuming "${out}" at epoch ${state.epoch + 1} batch ${state.batchInEpoch + 1} ` +
          `(step ${state.step}) on ${onBackend}`,
      );
    } else {
      await Deno.writeTextFile(
        paths.log,
        `${
          JSON.stringify({
            event: "start",
            config,
            backend: report.name,
            ...threadsField,
            model: clvm.options,
            time: new Date().toISOString(),
          })
        }\n`,
      );
      const preset = presetModel(variant);
      const changed = (["feedback", "tied", "passes"] as const)
        .filter((k) => config.model![k] !== preset[k])
        .map((k) => `${k} ${config.model![k]}`);
      log(
        `Training ${variant}${changed.length ? ` (${changed.join(", ")})` : ""} ` +
          `(${typeof architecture === "string" ? architecture : "custom"}) ` +
          `on ${data.name} (${data.train.ids.length} train / ${data.val.ids.length} val, ` +
          `${inputSize}×${inputSize}) with recipe ${recipe.name} on ${onBackend} into "${out}"`,
      );
    }
    const result = await runEpochs(clvm, sgd, data, state, {
      paths,
      report,
      options,
      log,
    });
    return await guardAgainstBaselines(result, data, log);
  } finally {
    sgd.dispose();
    clvm.dispose();
  }
}

interface RunContext {
  paths: RunPaths;
  report: { name: BackendName };
  options: TrainOptions;
  log: (message: string) => void;
}

async function runEpochs(
  clvm: CLVM,
  sgd: SGD,
  data: TrainData,
  start: TrainState,
  ctx: RunContext,
): Promise<TrainResult> {
  const { config } = start;
  const { recipe } = config;
  const { paths, options, log } = ctx;
  const spec = batchSpec(clvm, recipe, config.preprocess.size);
  const preprocess = createPreprocessor(config.preprocess);
  const batchSize = recipe.batchSize;
  const batchesPerEpoch = batchCount(data.train.ids.length, batchSize);
  const history: EpochRecord[] = [];
  let state = start;
  let stepsThisCall = 0;
  // The checkpoint that a divergence leaves in place.
  let lastGood: { path: string; epoch: number; step: number } | null = start.step > 0
    ? { path: paths.last, epoch: start.epoch, step: start.step }
    : null;
  const lastGoodText = (): string =>
    lastGood
      ? `"${lastGood.path}" (epoch ${lastGood.epoch}, step ${lastGood.step})`
      : "(none written yet)";

  const save = async (next: TrainState, targets: string[]): Promise<void> => {
    await writeTrainCheckpoint(
      clvm,
      sgd,
      next,
      ctx.report.name,
      targets,
      (name) =>
        new TrainingDivergedError(
          `Training diverged by step ${next.step}: weight "${name}" is not finite; ` +
            `kept the last good checkpoint ${lastGoodText()}`,
          next.step,
          next.epoch,
          lastGood?.path ?? null,
        ),
    );
    lastGood = { path: paths.last, epoch: next.epoch, step: next.step };
  };

  const skipTrainSample = skipUnreadable(data.train, log);
  const skipValSample = skipUnreadable(data.val, log);
  for (let epoch = state.epoch + 1; epoch <= config.epochs; epoch++) {
    const accum = { ...state.accum };
    const imagesAtStart = accum.images;
    const bar = options.progress
      ? createProgress(`epoch ${epoch}/${config.epochs}`, batchesPerEpoch, {
        startAt: state.batchInEpoch,
        rateUnit: "img",
      })
      : null;
    const stream = batches(data.train, {
      batchSize,
      preprocess,
      seed: state.shuffleSeed,
      epoch: epoch - 1,
      startBatch: state.batchInEpoch,
      onUnreadable: skipTrainSample,
    });
    let t0 = performance.now();
    for await (const data of stream) {
      const b = data.batch;
      const batch = toTensors(data, spec);
      let result: StepResult;
      sgd.learningRate = learningRateAt(
        recipe.learningRate,
        recipe.learningRateSchedule,
        state.step,
        config.epochs * batchesPerEpoch,
      );
      try {
        result = await trainStep(clvm, sgd, batch, recipe);
      } catch (error) {
        const message = (error as Error).message;
        if (ctx.report.name === "wasm" && /out of bounds|abort|out of memory/i.test(message)) {
          throw new Error(
            `Training step ${state.step + 1} failed on the wasm backend (${message}): a batch ` +
              `of ${data.size} at ${config.preprocess.size}×${config.preprocess.size} most likely ` +
              "needs more than the wasm heap holds; use a smaller --batch or --input-size, or " +
              "another --backend",
          );
        }
        throw error;
      } finally {
        disposeBatch(batch);
      }
      const step = state.step + 1;
      if (!result.finite) {
        bar?.done(`epoch ${epoch}/${config.epochs}: diverged at step ${step}`);
        const message =
          `Training diverged at step ${step} (epoch ${epoch}, batch ${
            b + 1
          } of ${batchesPerEpoch}): the loss is ${result.loss}. The step was not applied; ` +
          (lastGood
            ? `the last good checkpoint ${lastGoodText()} is kept as it was`
            : "no checkpoint had been written yet") +
          ". Try a lower learning rate (--lr)";
        await appendLog(paths.log, {
          event: "diverged",
          epoch,
          batch: b + 1,
          step,
          loss: String(result.loss),
          losses: { segmentation: result.segmentation, keypoints: result.keypoints },
          checkpoint: lastGood,
          time: new Date().toISOString(),
        });
        throw new TrainingDivergedError(message, step, epoch, lastGood?.path ?? null);
      }
      accum.loss += result.loss;
      accum.segmentation += result.segmentation ?? 0;
      accum.keypoints += result.keypoints ?? 0;
      accum.batches++;
      accum.images += data.size;
      accum.seconds += (performance.now() - t0) / 1000;
      state = { ...state, step, batchInEpoch: b + 1, accum };
      stepsThisCall++;
      const loss = accum.loss / accum.batches;
      bar?.update(b + 1, {
        work: accum.images - imagesAtStart,
        note: `loss ${Number.isFinite(loss) ? loss.toFixed(4) : String(loss)}`,
      });
      if (
        config.checkpointEvery > 0 && step % config.checkpointEvery === 0 &&
        b + 1 < batchesPerEpoch
      ) {
        await save(state, [paths.last]);
      }
      if (options.stopAfterSteps !== undefined && stepsThisCall >= options.stopAfterSteps) {
        bar?.done(`epoch ${epoch}/${config.epochs}: stopped after ${stepsThisCall} steps`);
        return result_(ctx, state, history, "stop-after-steps");
      }
      t0 = performance.now();
    }

    // End of epoch: batch-norm averages from training images, validation, log, checkpoints.
    await recomputeBatchNormAverages(clvm, data.train, {
      images: recipe.batchNormRecomputeImages,
      batchSize,
      preprocess: config.preprocess,
      spec,
      // An order of its own, so that these are not always the epoch's first batches.
      seed: mixSeed(state.shuffleSeed, 0x62e),
      epoch: epoch - 1,
      onUnreadable: skipTrainSample,
    });
    const val = await evaluate(
      clvm,
      data.val,
      config.preprocess,
      recipe,
      batchSize,
      skipValSample,
    );
    const improved = state.best === null || val.loss < state.best.validationLoss;
    const best = improved ? { epoch, validationLoss: val.loss } : state.best;
    const trainLosses: Losses = { loss: accum.loss / accum.batches };
    if (clvm.options.heads.segmentation) {
      trainLosses.segmentation = accum.segmentation / accum.batches;
    }
    if (clvm.options.heads.keypoints) trainLosses.keypoints = accum.keypoints / accum.batches;
    const record: EpochRecord = {
      event: "epoch",
      epoch,
      step: state.step,
      train: {
        ...trainLosses,
        images: accum.images,
        seconds: accum.seconds,
        imagesPerSecond: accum.images / accum.seconds,
      },
      val,
      best: improved,
      learningRate: sgd.learningRate,
      memory: memoryRecord(),
      time: new Date().toISOString(),
    };
    const done: TrainState = {
      ...state,
      epoch,
      batchInEpoch: 0,
      accum: zeroAccum(),
      best,
    };
    await appendLog(paths.log, record as unknown as Record<string, unknown>);
    await save(done, improved ? [paths.best, paths.last] : [paths.last]);
    state = done;
    history.push(record);
    const metrics = [
      val.pixelAccuracy !== undefined ? `pixel acc ${(val.pixelAccuracy * 100).toFixed(1)}%` : "",
      val.keypointError !== undefined ? `kp err ${(val.keypointError * 100).toFixed(1)}%` : "",
    ].filter(Boolean).join(", ");
    const summary = `epoch ${epoch}/${config.epochs}: train loss ${fmt(trainLosses.loss)} | ` +
      `val loss ${fmt(val.loss)}${metrics ? `, ${metrics}` : ""}${improved ? " (best)" : ""} | ` +
      `${record.train.imagesPerSecond.toFixed(1)} img/s, ${record.memory.numTensors} tensors`;
    if (bar) bar.done(summary);
    else log(summary);
  }
  return result_(ctx, state, history, "completed");
}

function result_(
  ctx: RunContext,
  state: TrainState,
  history: EpochRecord[],
  stopped: TrainResult["stopped"],
): TrainResult {
  return {
    out: ctx.options.out,
    backend: ctx.report.name,
    config: state.config,
    epochs: state.epoch,
    step: state.step,
    history,
    best: state.best,
    checkpoints: ctx.paths,
    stopped,
  };
}

function fmt(v: number | undefined, digits = 4): string {
  return v === undefined ? "-" : v.toFixed(digits);
}

/** `tf.memory()` and the process RSS now, as an epoch record stores them. */
function memoryRecord(): EpochRecord["memory"] {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  const out: EpochRecord["memory"] = {
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    rss: Deno.memoryUsage().rss,
  };
  if (typeof m.numBytesInGPU === "number") out.numBytesInGPU = m.numBytesInGPU;
  return out;
}
