// The bundle's stand-in for `@kubernetes-models/validate/runtime/re2` (bin/bundle.js aliases it): the models'
// validators create their RE2 patterns when their module loads, and the first RE2 compiles re2-wasm's WebAssembly
// regex engine (~90 ms of every start of a command that checks a PrometheusRule). This class keeps the pattern and
// compiles it, loading re2-wasm from node_modules, only when a string is first tested against it: the PrometheusRule
// model's one pattern is for a field synth never writes, so a synth never pays for the engine.
'use strict';

let RE2;

class LazyRE2 {
  constructor(pattern, flags) {
    this.pattern = pattern;
    this.flags = flags;
    this.compiled = undefined;
  }

  regex() {
    if (this.compiled === undefined) {
      RE2 ??= require('re2-wasm').RE2;
      this.compiled = new RE2(this.pattern, this.flags);
    }
    return this.compiled;
  }

  test(s) {
    return this.regex().test(s);
  }

  exec(s) {
    return this.regex().exec(s);
  }

  get source() {
    return this.regex().source;
  }

  toString() {
    return this.regex().toString();
  }
}

module.exports = LazyRE2;
module.exports.default = LazyRE2;
