// Kubernetes names for a function's objects and labels, derived from the FQFN the way Pulsar's Kubernetes runtime
// (KubernetesRuntime.createJobName / toValidLabelName) derives them, so a function keeps its Pulsar-given name.
import { createHash } from 'node:crypto';

/**
 * A StatefulSet's pods carry `controller-revision-hash: <name>-<hash of up to 10 chars>`, a label value limited
 * to 63 characters, so the name itself must stay within 52 (Pulsar allows 53, which can break that label).
 */
export const MAX_OBJECT_NAME_LENGTH = 52;
/** Label values (and DNS labels) are limited to 63 characters. */
export const MAX_LABEL_VALUE_LENGTH = 63;

const HASH_LENGTH = 8;

/** A DNS-1035 label: what a Service name must be (and so the StatefulSet's, whose pods take its DNS names). */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain (Secret and namespace names are checked with the stricter label form where needed). */
export const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A label value: empty, or alphanumerics at both ends with `-_.` allowed inside. */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function shortHash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * The name of the Service, StatefulSet and PodDisruptionBudget of `tenant/namespace/name`: `pf-<tenant>-<ns>-<name>`
 * when that is a valid name as it stands, as Pulsar names it. Otherwise it is lower-cased, every character other
 * than `a-z0-9-` becomes `-`, and Pulsar's short hash of `<tenant>-<ns>-<name>` is appended so that two FQFNs that
 * convert alike still differ; a name that would be too long is cut before the hash.
 *
 * Where this departs from Pulsar: a `.` is converted too (Pulsar keeps it, which no Service name allows), a name
 * ending in `-` gets the hash, and over-long names are shortened rather than refused.
 */
export function functionObjectName(tenant: string, namespace: string, name: string): string {
  const base = `${tenant}-${namespace}-${name}`;
  const plain = `pf-${base}`;
  if (plain.length <= MAX_OBJECT_NAME_LENGTH && DNS_1035_LABEL.test(plain)) return plain;
  const converted = plain.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const room = MAX_OBJECT_NAME_LENGTH - HASH_LENGTH - 1;
  return `${converted.slice(0, room)}-${shortHash(base)}`;
}

/**
 * A label value naming a tenant, namespace or function, as Pulsar labels its pods: lower-cased, characters a label
 * cannot hold replaced by `-`, a non-alphanumeric first or last character replaced by `0`, at most 63 characters.
 */
export function labelValue(text: string): string {
  const cut = text
    .toLowerCase()
    .replace(/[^a-z0-9-_.]/g, '-')
    .slice(0, MAX_LABEL_VALUE_LENGTH);
  return cut.replace(/^[^a-z0-9]/, '0').replace(/[^a-z0-9]$/, '0');
}
