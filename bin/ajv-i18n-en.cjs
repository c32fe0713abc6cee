// The bundle's stand-in for `ajv-i18n` (bin/bundle.js aliases it): @kubernetes-models/validate imports the package for
// `localize.en` alone, and the package's index loads its 20 other languages with it (~110 KB of the bundle, and the
// only text outside ASCII in it: the bundle then decodes as a string of two bytes per character).
'use strict';

module.exports = { en: require('../node_modules/ajv-i18n/localize/en/index.js') };
