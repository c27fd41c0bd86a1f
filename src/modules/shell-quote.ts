/** The one shell quoting used by task modules: Python's shlex.quote, as Ansible's `quote` filter does. */
export { shellQuote } from '../playbook/expr/text.js';
