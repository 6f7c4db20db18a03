/**
 * What a backend needs before it trains: the convolution gradients tfjs lacks or computes
 * slowly there.
 *
 * @module
 */
import {
  type BackendChoice,
  type BackendName,
  type BackendReport,
  initBackend,
} from "../backend.ts";
import { registerWasmConvKernels } from "../kernels/wasm_conv.ts";
import { registerWasmSumKernel } from "../kernels/wasm_sum.ts";
import { registerWasmMatMulKernel } from "../kernels/wasm_matmul.ts";
import { registerWasmIdentityKernel } from "../kernels/wasm_identity.ts";
import { registerCpuConvGrad } from "./_cpu_conv_grad.ts";
import { ResumeError } from "./resume.ts";

/** Registers the convolution gradients a backend needs to train fast (or at all). */
export function prepareBackendForTraining(name: BackendName): void {
  if (name === "wasm") {
    registerWasmConvKernels();
    registerWasmSumKernel();
    registerWasmMatMulKernel();
    registerWasmIdentityKernel();
  }
  if (name === "cpu") registerCpuConvGrad();
}

/**
 * The backend of a run, started and prepared for training: `options.backend`, else the one
 * that trained its checkpoint (`trainedOn`), else `auto`. A resume on another backend than
 * the checkpoint's is a {@link ResumeError} (another backend rounds differently). Returns
 * the backend's report, its name for messages, and the thread count for the log's records.
 */
export async function backendForRun(
  options: { backend?: BackendChoice; threads?: number },
  trainedOn: BackendName | undefined,
  checkpoint: string,
  log: (message: string) => void,
): Promise<{ report: BackendReport; label: string; threadsField: { threads?: number } }> {
  const report = await initBackend(
    options.backend ?? trainedOn ?? "auto",
    log,
    options.threads !== undefined ? { threads: options.threads } : {},
  );
  const native = report.convolutions?.startsWith("native") ? ", native kernels" : "";
  const label = report.name === "wasm"
    ? `wasm (${report.threads} thread${report.threads === 1 ? "" : "s"}${native})`
    : report.name;
  const threadsField = report.threads !== undefined ? { threads: report.threads } : {};
  if (trainedOn && report.name !== trainedOn) {
    const field = `backend ${report.name} (the checkpoint was trained on ${trainedOn})`;
    throw new ResumeError(
      `Cannot resume "${checkpoint}" with different settings: ${field}. Leave --backend out ` +
        "to continue on the checkpoint's (another backend rounds differently), or start a new run",
      "conflict",
      [field],
    );
  }
  prepareBackendForTraining(report.name);
  return { report, label, threadsField };
}
