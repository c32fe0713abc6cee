import { stringify } from 'yaml';
const o={lineWidth:0,minContentWidth:0,aliasDuplicateObjects:false,indentSeq:true};
for (const n of [999, 1000, 1001, 1024, 1025, 5000, 100000]) {
  for (const s of ['a'.repeat(n), 'x: "' + 'b'.repeat(n), "a'b".repeat(n/3|0)+'"', 'k="v"|' + 'c'.repeat(n)]) {
    for (const asKey of [false, true]) {
      const v = asKey ? { [s]: 1 } : { k: s };
      const t = stringify(v, o);
      const head = t.slice(0, 3);
      const lines = t.split('\n').length;
      console.log(n, JSON.stringify(s.slice(0,6)), asKey ? 'key' : 'val', JSON.stringify(head), lines);
    }
  }
}
const { emitYaml } = await import('./.build/src/synth/yaml-emit.js');
let diff = 0, fell = 0;
for (const n of [999, 1000, 1001, 1023, 1024, 1025, 1030, 5000, 100000]) {
  for (const s of ['a'.repeat(n), 'x: "' + 'b'.repeat(n), "a'b".repeat(n/3|0)+'"', 'k="v"|' + 'c'.repeat(n), 'a b'.repeat(n/3|0)]) {
    for (const asKey of [false, true]) {
      const v = asKey ? { [s]: 1 } : { k: s, l: [s, {m: s}] };
      const e = emitYaml(v);
      if (e === undefined) { fell++; continue; }
      if (e !== stringify(v, o)) { diff++; console.log('DIFF', n, asKey); }
    }
  }
}
console.log({diff, fell});
