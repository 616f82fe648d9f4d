import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CancelledError,
  EmptyMatrixError,
  NonFiniteError,
  NotFittedError,
  OptionError,
  ShapeError,
} from '../../src/core/errors';
import { Matrix } from '../../src/linalg/matrix';
import { RFM, RFMEvent } from '../../src/rfm/rfm';
import { Rng } from '../../src/random';
import { gaussianMatrix, matrixRelDiff, target } from './helpers';

function data(seed = 1, n = 40, d = 6) {
  const rng = new Rng(seed);
  const x = gaussianMatrix(n, d, rng);
  const xv = gaussianMatrix(15, d, rng);
  return { x, y: target(x), xv, yv: target(xv) };
}

test('errors name the problem', async () => {
  const { x, y } = data();
  const fit = (X: unknown, Y: unknown, options = {}) => new RFM(options).fit(X as Matrix, Y as Matrix);
  await assert.rejects(
    fit(x, target(gaussianMatrix(39, 6, new Rng(2)))),
    (e: Error) => e instanceof ShapeError && /X has 40 rows but Y has 39/.test(e.message),
  );
  const bad = x.clone();
  bad.data[7] = NaN;
  await assert.rejects(
    fit(bad, y),
    (e: Error) => e instanceof NonFiniteError && /X contains NaN at row 1, column 1/.test(e.message),
  );
  const inf = y.clone();
  inf.data[3] = Infinity;
  await assert.rejects(fit(x, inf), (e: Error) => e instanceof NonFiniteError && /Y contains Infinity/.test(e.message));
  await assert.rejects(
    fit(new Matrix(5, 0), new Matrix(5, 1)),
    (e: Error) => e instanceof EmptyMatrixError && /zero features/.test(e.message),
  );
  assert.throws(
    () => new RFM({ iterations: -1 }),
    (e: Error) => e instanceof OptionError && /iterations \(T\) must be an integer >= 0, got -1/.test(e.message),
  );
  assert.throws(
    () => new RFM({ bandwidth: 0 }),
    (e: Error) => e instanceof OptionError && /bandwidth must be a positive finite number, got 0/.test(e.message),
  );
  assert.throws(() => new RFM({ bandwidth: -2 }), /bandwidth must be a positive/);
  assert.throws(
    () => new RFM({ bandwith: 3 } as never),
    (e: Error) => e instanceof OptionError && /unknown option "bandwith"/.test(e.message),
  );
  assert.throws(() => new RFM({ form: 'dual', diagonal: true }), /diagonal M needs the primal form/);
  const rfm = new RFM();
  await assert.rejects(rfm.predict(x), /not fitted yet/);
  assert.throws(() => rfm.history, /not fitted yet/);
  await rfm.fit(x, y, { validation: { X: data().xv, Y: data().yv } });
  await assert.rejects(
    rfm.predict(gaussianMatrix(3, 5, new Rng(1))),
    (e: Error) => e instanceof ShapeError && /fit on 6 features, X has 5/.test(e.message),
  );
  await assert.rejects(rfm.fit(x, y, { validaton: {} } as never), /unknown option "validaton"/);
  await assert.rejects(
    rfm.fit(x, y, { validation: { X: gaussianMatrix(3, 5, new Rng(1)), Y: [1, 2, 3] } }),
    /fit on 6 features, validation X has 5/,
  );
  await assert.rejects(new RFM({ earlyStopping: { patience: 2 } }).fit(x, y), /earlyStopping needs validation data/);
});

test('history: one record per iteration, the kept pair is the best by validation; without validation the last', async () => {
  const { x, y, xv, yv } = data(3, 50, 8);
  const events: RFMEvent[] = [];
  const rfm = await new RFM({ bandwidth: 5, iterations: 4 }).fit(x, y, {
    validation: { X: xv, Y: yv },
    onEvent: (e) => events.push(e),
  });
  const h = rfm.history;
  assert.deepEqual(
    h.map((r) => r.iteration),
    [0, 1, 2, 3, 4],
  );
  assert.ok(
    h.every((r) => r.form === 'primal' && r.dtype === 'float64' && r.seconds >= 0 && r.jitter === 0 && r.test === null),
  );
  const best = h.reduce((b, r) => (r.validation!.mse < h[b].validation!.mse ? r.iteration : b), 0);
  assert.equal(rfm.bestIteration, best);
  assert.equal(rfm.summary.selection, 'best validation metric');
  assert.match(rfm.summary.reason, /auto: cheapest, primal/);
  assert.deepEqual(
    events.map((e) => e.type),
    ['form', 'iteration', 'iteration', 'iteration', 'iteration', 'iteration', 'done'],
  );
  // The kept predictions are those of (M_best, alpha_best): they reproduce the recorded validation MSE.
  const p = await rfm.predict(xv);
  let s = 0;
  for (let i = 0; i < p.data.length; i++) s += (p.data[i] - yv.data[i]) ** 2;
  assert.ok(Math.abs(s / p.data.length - h[best].validation!.mse) < 1e-12);
  const last = await new RFM({ bandwidth: 5, iterations: 3 }).fit(x, y);
  assert.equal(last.bestIteration, 3);
  assert.equal(last.summary.selection, 'last iteration (no validation data)');
  assert.ok(last.history.every((r) => r.validation === null));
});

test('fit yields to the event loop between iterations and reports each one', async () => {
  const { x, y } = data();
  const seen: number[] = [];
  const ticksAt: number[] = [];
  let ticks = 0;
  let done = false;
  const tick = () => {
    ticks++;
    if (!done) setImmediate(tick);
  };
  setImmediate(tick);
  const rfm = new RFM({
    bandwidth: 5,
    iterations: 5,
    onIteration: (r) => {
      seen.push(r.iteration);
      ticksAt.push(ticks);
    },
  });
  await rfm.fit(x, y);
  done = true;
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
  // Between two iteration reports, queued macrotasks (a notebook's rendering) got to run.
  for (let t = 1; t < ticksAt.length; t++)
    assert.ok(ticksAt[t] > ticksAt[t - 1], `no macrotask ran between iterations ${t - 1} and ${t}`);
});

test('early stopping ends the fit once the validation metric stalls', async () => {
  const { x, y, xv, yv } = data(5, 50, 8);
  const full = await new RFM({ bandwidth: 5, iterations: 12 }).fit(x, y, { validation: { X: xv, Y: yv } });
  const stopped = await new RFM({ bandwidth: 5, iterations: 12, earlyStopping: { patience: 2, tolerance: 0.05 } }).fit(
    x,
    y,
    { validation: { X: xv, Y: yv } },
  );
  assert.ok(stopped.history.length < full.history.length);
  assert.match(stopped.summary.stopReason, /early stopping/);
  for (let t = 0; t < stopped.history.length; t++)
    assert.equal(stopped.history[t].validation!.mse, full.history[t].validation!.mse);
});

test('a singular kernel matrix is retried with jitter, recorded in the history and reported as an event', async () => {
  const { x, y } = data();
  // Duplicated training points with ridge 0: K has two equal rows and Cholesky fails without jitter.
  const xd = new Matrix(41, 6);
  xd.data.set(x.data);
  xd.data.set(x.row(0), 40 * 6);
  const yd = new Matrix(41, 1);
  yd.data.set(y.data);
  yd.data[40] = y.data[0];
  const events: RFMEvent[] = [];
  const rfm = await new RFM({ bandwidth: 5, iterations: 1, ridge: 0 }).fit(xd, yd, { onEvent: (e) => events.push(e) });
  assert.ok(rfm.history[0].jitter > 0);
  const jitters = events.filter((e) => e.type === 'jitter');
  assert.ok(jitters.length >= 1);
  assert.match((jitters[0] as { message: string }).message, /41 x 41 matrix failed at pivot 40/);
});

test('classification: integer labels, accuracy selects, probabilities through a validation-fitted temperature', async () => {
  const rng = new Rng(7);
  const make = (rows: number) => {
    const x = gaussianMatrix(rows, 5, rng);
    // Labels in an Int32Array: 'auto' makes that classification (a plain number[] is regression).
    const labels = Int32Array.from({ length: rows }, (_, i) =>
      x.get(i, 0) + 0.5 * x.get(i, 1) > 0 ? 2 : x.get(i, 2) > 0.3 ? 5 : 1,
    );
    return { X: x, Y: labels };
  };
  const train = make(80);
  const val = make(40);
  const testSet = make(60);
  const rfm = await new RFM({ bandwidth: 5, iterations: 3 }).fit(train.X, train.Y, { validation: val, test: testSet });
  assert.equal(rfm.summary.task, 'classification');
  assert.equal(rfm.summary.metric, 'accuracy (ties broken by mse)');
  assert.deepEqual(rfm.classes, [1, 2, 5]);
  assert.ok(rfm.history.every((h) => h.validation!.accuracy !== undefined && h.train.accuracy !== undefined));
  const labels = await rfm.predictLabels(testSet.X);
  assert.ok(labels.every((l) => [1, 2, 5].includes(l)));
  const acc = await rfm.score(testSet.X, testSet.Y);
  assert.equal(acc, rfm.history[rfm.bestIteration].test!.accuracy);
  assert.ok(acc > 0.7);
  const proba = await rfm.predictProba(testSet.X);
  for (let i = 0; i < proba.rows; i++)
    assert.ok(Math.abs(Array.from(proba.row(i)).reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.equal(rfm.summary.temperatureSource, 'validation');
  assert.ok(rfm.summary.temperature! > 0 && rfm.summary.temperature! !== 1);
  const regressor = await new RFM({ bandwidth: 5, iterations: 1, task: 'regression' }).fit(train.X, train.Y);
  assert.equal(regressor.summary.task, 'regression');
  await assert.rejects(regressor.predictProba(train.X), /predictProba is for classification/);
});

for (const form of ['primal', 'dual', 'dual-q'] as const) {
  test(`toJSON / fromJSON and the binary form restore a model that predicts (${form})`, async () => {
    const rng = new Rng(12);
    const d = form === 'primal' ? 6 : 50;
    const x = gaussianMatrix(30, d, rng);
    const z = gaussianMatrix(7, d, rng);
    const rfm = await new RFM({ bandwidth: 5, iterations: 2, form, diagonal: form === 'primal' }).fit(x, target(x, 2));
    if (form !== 'primal') assert.throws(() => rfm.toJSON(), /materialize/);
    await rfm.materialize();
    const text = JSON.stringify(rfm);
    const back = RFM.fromJSON(text);
    const bin = RFM.fromBinary(rfm.toBinary());
    const p = await rfm.predict(z);
    for (const m of [back, bin]) {
      assert.deepEqual(m.getParams(), rfm.getParams());
      assert.equal(m.bestIteration, rfm.bestIteration);
      assert.deepEqual(m.history, rfm.history);
      assert.ok(matrixRelDiff(await m.predict(z), p) === 0);
      assert.ok(matrixRelDiff(await m.predict(z, { baseline: true }), await rfm.predict(z, { baseline: true })) === 0);
    }
    assert.ok(rfm.toBinary().byteLength < text.length);
  });
}

test('validationScore chooses the kept iteration (lower is better) and is recorded in the history', async () => {
  const { x, y, xv, yv } = data(3, 50, 8);
  const meanAbsolute = (scores: Matrix, t: { y: Matrix }) => {
    let s = 0;
    for (let i = 0; i < scores.data.length; i++) s += Math.abs(scores.data[i] - t.y.data[i]);
    return s / scores.data.length;
  };
  const rfm = await new RFM({ bandwidth: 5, iterations: 4 }).fit(x, y, {
    validation: { X: xv, Y: yv },
    validationScore: meanAbsolute,
  });
  const scores = rfm.history.map((h) => h.validation!.score!);
  assert.equal(rfm.bestIteration, scores.indexOf(Math.min(...scores)));
  assert.equal(rfm.summary.metric, 'validation score (lower is better)');
  assert.ok(Math.abs(scores[rfm.bestIteration] - meanAbsolute(await rfm.predict(xv), { y: yv })) < 1e-12);
  await assert.rejects(
    new RFM().fit(x, y, { validationScore: meanAbsolute }),
    /validationScore must be a function, and needs validation data/,
  );
  await assert.rejects(
    new RFM({ iterations: 1 }).fit(x, y, { validation: { X: xv, Y: yv }, validationScore: () => NaN }),
    /validationScore returned NaN at iteration 0/,
  );
});

test('an aborted signal cancels fit between iterations and leaves the previous model intact', async () => {
  const { x, y, xv, yv } = data(3);
  const rfm = new RFM({ iterations: 2 });
  await rfm.fit(x, y);
  const before = await rfm.predict(xv);
  const history = rfm.history;
  const controller = new AbortController();
  const other = data(4);
  const fit = rfm.fit(other.x, other.y, {
    validation: { X: xv, Y: yv },
    signal: controller.signal,
    onIteration: (r) => {
      if (r.iteration === 1) controller.abort();
    },
  });
  await assert.rejects(fit, (e: Error) => e instanceof CancelledError && /RFM.fit was cancelled/.test(e.message));
  assert.deepEqual(rfm.history, history);
  assert.equal(matrixRelDiff(await rfm.predict(xv), before), 0);
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(new RFM().fit(x, y, { signal: aborted.signal }), CancelledError);
  await assert.rejects(new RFM().predict(x), NotFittedError);
});
