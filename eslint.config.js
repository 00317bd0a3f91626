// Type-aware lint for every TypeScript folder (`make lint`). The base is typescript-eslint's
// strictTypeChecked + stylisticTypeChecked; what is turned off or tuned below fights the
// project's style, and each says why. Formatting is Prettier's job, not this file's.
import eslint from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'sdk/dist/',
      'node_modules/',
      '.cache/',
      '.data/',
      'bench/results/',
      'controller/db/migrations/',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Each file is checked with the tsconfig of its project reference, as tsc -b sees it.
        projectService: { allowDefaultProject: ['drizzle.config.ts', 'eslint.config.js', 'console/vite.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The rules the project relies on most, stated here so that a base-config change cannot drop them.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // drizzle's queries are thenables (QueryPromise), not Promises: an un-awaited write is
          // exactly the bug this rule is for, and without this option it would not see one.
          checkThenables: true,
          // node-tap queues subtests itself: `t.test(...)` needs no await (tap's own documented style).
          allowForKnownSafePromises: [{ from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' }],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-condition': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],

      // Numbers and booleans in messages are what log lines and errors are made of; `${n}` is clear.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `!` after a lookup the code has just proven present (noUncheckedIndexedAccess) reads better
      // than a branch that cannot run; the compiler is strict enough to keep these honest.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Interfaces and type aliases are both used, each where it reads best (unions need `type`).
      '@typescript-eslint/consistent-type-definitions': 'off',
      // `void promise` marks a deliberate fire-and-forget; the rule would ban the marker itself.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Classes with static factories and no instances are not used; the rule only flags namespaces of constants.
      '@typescript-eslint/no-extraneous-class': 'off',
      // An async function without await is how an interface that returns a promise is implemented
      // synchronously (and how a synchronous throw becomes a rejection); the rule would force
      // Promise.resolve() wrappers that say less.
      '@typescript-eslint/require-await': 'off',
      // Passing on a rejection or an abort reason that someone else chose keeps it as it was.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      // A no-op callback (`() => {}`) is the clearest way to say "nothing to do here".
      '@typescript-eslint/no-empty-function': ['error', { allow: ['arrowFunctions'] }],
      // `env.X || default` deliberately treats an empty variable as unset, as shells do.
      '@typescript-eslint/prefer-nullish-coalescing': ['error', { ignorePrimitives: { string: true } }],
    },
  },
  {
    // The console runs in a browser (console/tsconfig.json has no Node types) and is React: the
    // hooks rules catch the stale closures and conditional hooks the compiler cannot see.
    files: ['console/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    languageOptions: { globals: globals.browser },
  },
  {
    // Tests reach into parsed JSON responses to assert on them: a wrong guess fails the assertion,
    // which is the check, so typing every response shape would only restate protocol/api.ts.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    // Plain JavaScript entry points (bin/, this file) and drizzle-kit's config, which no tsconfig
    // includes: no type information to lint with.
    files: ['**/*.js', 'drizzle.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
);
