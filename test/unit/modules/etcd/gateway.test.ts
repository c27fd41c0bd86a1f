/** The gateway client's pure parts: the endpoint it dials through the tunnel, and its error lines. */
import { expect } from 'chai';
import { describeTransportError, parseEndpoint } from '../../../../src/modules/etcd/gateway.js';

const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('modules/etcd: the gateway client', () => {
  it('takes one https URL with a host and port (2379 by default), nothing else', () => {
    expect(parseEndpoint('https://127.0.0.1:2379')).to.deep.equal({ host: '127.0.0.1', port: 2379 });
    expect(parseEndpoint('https://etcd.local')).to.deep.equal({ host: 'etcd.local', port: 2379 });
    expect(parseEndpoint('https://[::1]:12379/')).to.deep.equal({ host: '::1', port: 12379 });
    for (const bad of ['http://127.0.0.1:2379', 'https://a:2379,https://b:2379', '127.0.0.1:2379', 'https://h:1/v3', 'https://u@h:1', '']) {
      expect(parseEndpoint(bad), bad).to.equal(undefined);
    }
  });

  it('turns TLS failures into a line that says which side refused', () => {
    const openssl = 'C0:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../deps/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 48\n';
    expect(describeTransportError(coded('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', openssl))).to.equal("etcd refused the TLS handshake (alert: unknown ca): cert and key must be a client certificate signed by etcd's CA");
    expect(describeTransportError(coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'))).to.equal("etcd's serving certificate is not trusted with cacert (unable to verify the first certificate)");
    expect(describeTransportError(coded('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"))).to.include('not trusted with cacert');
    expect(describeTransportError(coded('ECONNRESET', 'socket hang up\nmore'))).to.equal('socket hang up');
  });
});
