/** YAML text of a configuration file embedded in a ConfigMap: stable, no line folding, no aliases. */
import { stringify } from 'yaml';

export function toYamlText(value: unknown): string {
  return stringify(value, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, indentSeq: true });
}
