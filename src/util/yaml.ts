/**
 * drydock's one door to the `yaml` package. Ansible's files are YAML 1.1 as PyYAML reads it, so user files
 * (inventories, playbooks) are parsed with `ansibleYamlOptions`: `yes`/`no`/`on`/`off` are booleans, `0755` is
 * octal, `<<` merges work, duplicate keys are errors — but `y`/`n` stay strings, as PyYAML keeps them (the
 * `yaml` package's 1.1 schema would turn them into booleans Ansible never sees). Floats are PyYAML's too: `2.0` is
 * a Python float (a `PyFloat` box when integral, see pyfloat.ts), `1e3` (no dot, no exponent sign) is a string.
 */
import { pyFloat } from './pyfloat.js';
import { LineCounter, type DocumentOptions, type ParseOptions, type SchemaOptions, type ScalarTag, type Tags } from 'yaml';

export {
  LineCounter,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  parse,
  parseAllDocuments,
  parseDocument,
  stringify,
  visit,
} from 'yaml';
export type { Alias, Document, Node, Pair, ParsedNode, ScalarTag, Tags, YAMLMap } from 'yaml';

const PYYAML_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PYYAML_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

// PyYAML's float resolver: a dot is required, an exponent needs its sign (`1.0e+3`); `-.5` and `1e3` are strings.
const PYYAML_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)$/;
const PYYAML_FLOAT_EXP = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)[eE][-+][0-9]+$/;

/** Narrows the 1.1 boolean and float tags to PyYAML's sets; floats resolve to Python floats (pyfloat.ts). */
export function pyyamlBooleans(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag === 'string' || !('test' in tag) || !tag.test) return tag;
    if (tag.tag === 'tag:yaml.org,2002:bool') {
      const isTrue = tag.test.test('true');
      return { ...tag, test: isTrue ? PYYAML_TRUE : PYYAML_FALSE } as ScalarTag;
    }
    if (tag.tag === 'tag:yaml.org,2002:float' && (tag.test.test('1.5') || tag.test.test('1.5e3'))) {
      const test = tag.test.test('1.5') ? PYYAML_FLOAT : PYYAML_FLOAT_EXP;
      return { ...tag, test, resolve: (str: string) => pyFloat(Number.parseFloat(str.replace(/_/g, ''))) } as ScalarTag;
    }
    return tag;
  });
}

/** Parse options for files an Ansible user wrote, with positions kept in `lineCounter`. */
export function ansibleYamlOptions(lineCounter: LineCounter): ParseOptions & DocumentOptions & SchemaOptions {
  return { version: '1.1', lineCounter, prettyErrors: false, uniqueKeys: true, customTags: pyyamlBooleans };
}
