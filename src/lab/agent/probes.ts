/**
 * The kubelet's HTTP probes, for the static pods' containers: httpGet against the pod's address (the
 * host's, as every kubeadm static pod uses the host network) unless the probe names a host; HTTPS without
 * verifying the server's certificate, as the kubelet does; success is a status from 200 to 399.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Probe {
  httpGet?: { host?: string; path?: string; port: number | string; scheme?: string };
  tcpSocket?: { host?: string; port: number | string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
}

export async function probe(spec: Probe, podAddress: string): Promise<boolean> {
  const get = spec.httpGet;
  if (!get || typeof get.port !== 'number') return true;
  const https = (get.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
  const request = https ? httpsRequest : httpRequest;
  const timeout = Math.max(1, spec.timeoutSeconds ?? 1) * 1000 + 1000;
  return await new Promise<boolean>((resolve) => {
    const req = request(
      { host: get.host || podAddress, port: get.port, path: get.path ?? '/', method: 'GET', timeout, rejectUnauthorized: false, headers: { 'User-Agent': 'kube-probe/1' } },
      (res) => {
        res.resume();
        resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
