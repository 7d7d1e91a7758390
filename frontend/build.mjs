// Bundles src/editor.js into one minified file for the exercise page, plus a licence file beside it.
// The bundled packages carry their licences as LICENSE files, not as /*! comments, so esbuild's
// --legal-comments would keep nothing: the licence file is built here from each bundled package's own LICENSE.
import { readFileSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const OUT = "../quizsite/web/static/web/editor.js";
const LICENCES = `${OUT}.LICENSE.txt`;

const result = await build({
  entryPoints: ["src/editor.js"],
  outfile: OUT,
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2019",
  legalComments: "eof",
  banner: { js: "/*! GymEditor: CodeMirror 6 (MIT) and its dependencies; licences in editor.js.LICENSE.txt */" },
  metafile: true,
  logLevel: "info",
});

/** Package directories (node_modules/<name> or node_modules/@scope/<name>) that have code in the bundle. */
function bundledPackages(metafile) {
  const packages = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//);
      if (match && bytesInOutput > 0) packages.add(match[1]);
    }
  }
  return [...packages].sort();
}

const sections = bundledPackages(result.metafile).map((dir) => {
  const { name, version, license } = JSON.parse(readFileSync(`${dir}/package.json`, "utf8"));
  const text = readFileSync(`${dir}/LICENSE`, "utf8").trim();
  return `${name}@${version} (${license})\n\n${text}\n`;
});
writeFileSync(LICENCES, `Third-party code bundled in editor.js\n\n${sections.join("\n---\n\n")}`);
