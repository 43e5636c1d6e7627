// ESLint rule `retake/layers`: which folder may import which (VS Code's `code-layering` style — folders are named by
// where their code may run, and an import in the wrong direction fails the lint instead of waiting for a reviewer).
// Relative imports are resolved to a repository path and mapped to a layer; packages are checked by name. The
// table is the rule's option (eslint.config.js), so the layering is read in one place.
//
// Why our own rule rather than eslint-plugin-boundaries: that plugin needs an import resolver and a TypeScript
// resolver configuration to classify files; our imports are all relative or bare package names, so resolving them
// is a path join, and the whole rule stays short enough to read.

import path from 'node:path';

/** The layer of a repository-relative path: the longest matching prefix wins (a file entry beats its folder). */
function layerOf(rel, layers) {
  let best = null;
  let bestLen = -1;
  for (const [name, prefixes] of Object.entries(layers)) {
    for (const p of prefixes) {
      const hit = rel === p || rel.startsWith(p.endsWith('/') ? p : p + '/') || rel.replace(/\.(ts|js|mjs|svelte)$/, '') === p.replace(/\.(ts|js|mjs|svelte)$/, '');
      if (hit && p.length > bestLen) {
        best = name;
        bestLen = p.length;
      }
    }
  }
  return best;
}

function packageName(spec) {
  if (spec.startsWith('node:')) return 'node:';
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports must follow the layering table (which folder may import which, and which packages).' },
    schema: [{ type: 'object', additionalProperties: true }],
    messages: {
      layer: '{{from}} may not import {{to}} ("{{spec}}"). Allowed: {{allowed}}.',
      typeOnly: '{{from}} may import {{to}} only with `import type` ("{{spec}}"): it must not pull code into this bundle.',
      pkg: '{{from}} may not import the package "{{pkg}}" (only {{owners}} may).',
    },
  },
  create(context) {
    const { root, layers, allow, typeOnly = {}, packages = {} } = context.options[0];
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const from = layerOf(file, layers);
    if (!from) return {};
    const allowed = new Set([from, ...(allow[from] ?? [])]);
    const typeOnlyTargets = new Set(typeOnly[from] ?? []);

    function check(node, spec, isType) {
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        const to = layerOf(target, layers);
        if (!to || to === from) return;
        if (typeOnlyTargets.has(to)) {
          if (!isType) context.report({ node, messageId: 'typeOnly', data: { from, to, spec } });
          return;
        }
        if (!allowed.has(to)) {
          context.report({ node, messageId: 'layer', data: { from, to, spec, allowed: [...allowed].join(', ') } });
        }
        return;
      }
      const pkg = packageName(spec);
      const owners = packages[pkg];
      if (owners && !owners.includes(from)) {
        context.report({ node, messageId: 'pkg', data: { from, pkg, owners: owners.join(', ') } });
      }
    }

    const isTypeImport = (node) =>
      node.importKind === 'type' ||
      node.exportKind === 'type' ||
      (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));

    return {
      ImportDeclaration: (node) => check(node, node.source.value, isTypeImport(node)),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, isTypeImport(node)),
      ExportAllDeclaration: (node) => check(node, node.source.value, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, false),
      TSImportType: (node) => {
        const lit = node.argument?.literal ?? node.argument;
        if (lit && lit.type === 'Literal') check(node, lit.value, true);
      },
    };
  },
};

export default { rules: { layers: layersRule } };
