import { serialize, deserialize } from 'node:v8';
const { loadEnvironments } = await import('./.build/src/load/environments.js');
const { renderEnvironments } = await import('./.build/src/synth/render.js');
const envs = loadEnvironments(process.argv[2]);
const files = renderEnvironments(envs);
const objs = files.filter((f) => f.object).map((f) => f.object);
for (let r = 0; r < 3; r++) {
  let t = performance.now(); let n = 0; const ser = [];
  for (const o of objs) { const b = serialize(o); n += b.length; ser.push(b); }
  const ts = performance.now() - t; t = performance.now();
  for (const b of ser) deserialize(b);
  const td = performance.now() - t; t = performance.now();
  const js = []; let m = 0;
  for (const o of objs) { const s = JSON.stringify(o); m += s.length; js.push(s); }
  const tj = performance.now() - t; t = performance.now();
  for (const s of js) JSON.parse(s);
  const tp = performance.now() - t;
  console.log(`v8.serialize ${ts.toFixed(0)} ms (${(n/1e6).toFixed(1)} MB) deserialize ${td.toFixed(0)} | JSON.stringify ${tj.toFixed(0)} (${(m/1e6).toFixed(1)} M chars) parse ${tp.toFixed(0)}`);
}
