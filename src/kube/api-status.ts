/**
 * Turning failed API responses into clean errors. client-node's ApiException carries the raw response text in
 * `body` and embeds body AND headers in `message`, so users must never see `message`; the API's own
 * `Status` object (reason, message, details.causes) is what explains a refusal.
 */
import { KubeApiError } from '../errors.js';

export interface ApiStatus {
  status?: string;
  reason?: string;
  message?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: Array<{ reason?: string; message?: string; field?: string }> };
}

/** The v1 Status inside a response body (text or already parsed), or null when the body is something else. */
export function parseStatus(body: unknown): ApiStatus | null {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return null;
    }
  }
  if (typeof value !== 'object' || value === null) return null;
  const candidate = value as { kind?: unknown; message?: unknown; reason?: unknown };
  if (candidate.kind !== 'Status' && typeof candidate.message !== 'string' && typeof candidate.reason !== 'string') {
    return null;
  }
  return value as ApiStatus;
}

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

const HINT_BY_CODE: Record<number, string> = {
  401: 'the kubeconfig credentials were rejected (expired certificate or token?)',
  403: 'the kubeconfig user lacks the RBAC rights for this request',
};

/** A one-line, bounded excerpt of a non-Status body (HTML error pages from proxies, plain text...). */
function excerpt(body: unknown): string {
  if (typeof body !== 'string') return '';
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/** `<the API's explanation> (HTTP 429 TooManyRequests)`, and the reason on its own. */
export function describeFailure(httpStatus: number, body: unknown): { text: string; reason?: string } {
  const status = parseStatus(body);
  const reason = status?.reason || REASON_BY_CODE[httpStatus];
  const explanation = status?.message || HINT_BY_CODE[httpStatus] || excerpt(body) || 'no explanation in the response';
  const label = reason ? `${httpStatus} ${reason}` : `${httpStatus}`;
  return { text: `${explanation} (HTTP ${label})`, reason };
}

/**
 * `what` says which request failed, e.g. `cordon node w1` or `GET pod kube-system/x`; the result names it, the
 * HTTP status and the API's own explanation.
 */
export function apiErrorFromResponse(what: string, httpStatus: number, body: unknown): KubeApiError {
  const { text, reason } = describeFailure(httpStatus, body);
  return new KubeApiError(`${what}: ${text}`, httpStatus, reason);
}

/** The cause messages of a Status, e.g. the PodDisruptionBudget that refused an eviction. */
export function statusCauses(body: unknown): string[] {
  const causes = parseStatus(body)?.details?.causes ?? [];
  return causes.map((c) => c.message ?? c.reason ?? '').filter((m) => m !== '');
}

export function statusHasCause(body: unknown, reason: string): boolean {
  return (parseStatus(body)?.details?.causes ?? []).some((c) => c.reason === reason);
}
