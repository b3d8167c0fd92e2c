// Parse Mermaid diagrams with Mermaid's own parser (a test tool; never shipped).
//
// stdin: a JSON array of diagram texts. stdout: a JSON array, one entry per diagram, in order:
//   {"ok": true, "type": "flowchart-v2"} or {"ok": false, "error": "<first line of the error>"}
// Mermaid sanitises labels with DOMPurify, which needs a DOM: jsdom provides one.

import { readFileSync } from 'node:fs'
import { JSDOM } from 'jsdom'

const { window } = new JSDOM('')
globalThis.window = window
globalThis.document = window.document
const { default: mermaid } = await import('mermaid')

const diagrams = JSON.parse(readFileSync(0, 'utf8'))
const results = []
for (const text of diagrams) {
  try {
    const parsed = await mermaid.parse(text)
    results.push({ ok: true, type: parsed.diagramType })
  } catch (error) {
    results.push({ ok: false, error: String(error.message ?? error).split('\n')[0] })
  }
}
process.stdout.write(JSON.stringify(results) + '\n')
