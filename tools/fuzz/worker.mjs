// One fuzzing job in its own process (run.mjs starts it with an IPC channel): `core` runs cases of
// core.mjs in one mode and engine, `loader` mutated inputs of one loader (loaders.mjs), `cli` a
// sample of runs of the real command line (cli.mjs). It reports progress (the case it is on, so a
// hang can be pinned to its input) and, at the end, its totals and failures.
// Several jobs may share a process (--quick: process start-up is most of the cost); each reports
// `done` with its result before the next begins.
const send = (m) => process.send ? process.send(m) : console.log(JSON.stringify(m));
for (const job of JSON.parse(process.argv[2])) await runJob(job);

async function runJob(job) {
  const deadline = Date.now() + job.maxSeconds * 1000;
  const res = { job, cases: 0, insns: 0, inputs: 0, outcomes: {}, failures: [] };
  let lastReport = 0;
  const progress = (index) => {
    const now = Date.now();
    if (now - lastReport < 250) return;
    lastReport = now;
    send({ type: "progress", index, cases: res.cases, insns: res.insns, inputs: res.inputs });
  };
  const tally = (o) => { res.outcomes[o] = (res.outcomes[o] ?? 0) + 1; };
  const yieldNow = () => new Promise((r) => setImmediate(r));

  if (job.stage === "core") {
    const { runCase } = await import("./core.mjs");
    for (let i = job.start ?? 0; ; i++) {
      if (res.insns >= job.targetInsns && Date.now() >= job.minUntil) break;
      if (Date.now() > deadline) break;
      send({ type: "at", index: i });
      const r = runCase(job.seed, i, job.mode, job.engine, { quick: job.quick });
      res.cases++;
      res.insns += r.insns;
      for (const o of r.outcomes) tally(o);
      if (r.failure) res.failures.push({ index: i, ...r.failure });
      progress(i);
      if (res.failures.length >= 20) break;
    }
  } else if (job.stage === "loader") {
    const { runLoaderInput, LOADERS } = await import("./loaders.mjs");
    const L = LOADERS[job.loader];
    const ctx = await L.setup(job);
    for (let i = job.start ?? 0; ; i++) {
      if (res.inputs >= job.targetInputs && Date.now() >= job.minUntil) break;
      if (Date.now() > deadline) break;
      send({ type: "at", index: i });
      const r = await runLoaderInput(L, ctx, job.seed, i);
      res.inputs++;
      res.insns += r.insns ?? 0;
      tally(r.outcome);
      if (r.failure) res.failures.push({ index: i, ...r.failure });
      progress(i);
      if (res.failures.length >= 20) break;
      if (i % 64 === 0) await yieldNow();
    }
  } else if (job.stage === "cli") {
    const { runCliSample } = await import("./cli.mjs");
    for (let i = job.start ?? 0; i < (job.start ?? 0) + job.count; i++) {
      if (Date.now() > deadline) break;
      send({ type: "at", index: i });
      const r = await runCliSample(job.seed, i, job);
      res.inputs++;
      tally(r.outcome);
      if (r.failure) res.failures.push({ index: i, ...r.failure });
      progress(i);
    }
  } else throw new Error(`unknown stage ${job.stage}`);
  send({ type: "done", result: res });
}
