// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The strata authors. */
/*
 * TLS of the sensor-to-central link with OpenSSL: the contexts built from
 * the configuration, the handshakes, and reads and writes over either kind
 * of connection. Only this file includes OpenSSL's headers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "net.h"
#include "stratad.h"
#include "tls.h"

struct stratad_tls {
	SSL_CTX *ctx;
	bool server;
	bool mutual;		/* central: client certificates required */
	bool name_is_ip;	/* sensor: @name is an address, not a DNS name */
	char name[256];		/* sensor: what the central's certificate must carry */
	char subject[256];	/* our own certificate's subject ("": none) */
	char not_after[64];
	char ca[256];		/* "" : the system's trust store */
};

/* The reason of OpenSSL's last error, and its queue emptied. */
static const char *ossl_reason(void)
{
	unsigned long l = ERR_peek_last_error();
	const char *r = l ? ERR_reason_error_string(l) : NULL;

	ERR_clear_error();
	return r ? r : "unknown error";
}

/* A file the configuration names: readable, or a message that says why not. */
static int readable(const char *key, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(err, errlen, "%s %s: %s", key, path, strerror(errno));
		return -EINVAL;
	}
	fclose(f);
	return 0;
}

/* Never asks for a pass phrase (a daemon has no terminal): an encrypted key fails. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

static int load_cert_key(struct stratad_tls *t, const char *cert, const char *key,
			 char *err, size_t errlen)
{
	EVP_PKEY *pk;
	X509 *x;
	FILE *f;
	int ok;

	if (readable("tls-cert", cert, err, errlen) || readable("tls-key", key, err, errlen))
		return -EINVAL;
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert) != 1) {
		snprintf(err, errlen, "tls-cert %s: not a PEM certificate: %s", cert, ossl_reason());
		return -EINVAL;
	}
	f = fopen(key, "r");
	if (!f) {
		snprintf(err, errlen, "tls-key %s: %s", key, strerror(errno));
		return -EINVAL;
	}
	pk = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	if (!pk) {
		snprintf(err, errlen, "%s %s: no unencrypted PEM private key in it (%s)%s",
			 key == cert ? "tls-cert" : "tls-key", key, ossl_reason(),
			 key == cert ? "; tls-key names the key's file" : "");
		return -EINVAL;
	}
	ok = SSL_CTX_use_PrivateKey(t->ctx, pk) == 1 && SSL_CTX_check_private_key(t->ctx) == 1;
	EVP_PKEY_free(pk);
	if (!ok) {
		snprintf(err, errlen, "tls-key %s is not the key of tls-cert %s: %s", key, cert,
			 ossl_reason());
		return -EINVAL;
	}
	x = SSL_CTX_get0_certificate(t->ctx);
	if (x) {
		BIO *b = BIO_new(BIO_s_mem());
		int n = 0;

		X509_NAME_oneline(X509_get_subject_name(x), t->subject, sizeof(t->subject));
		if (b && ASN1_TIME_print(b, X509_get0_notAfter(x)))
			n = BIO_read(b, t->not_after, sizeof(t->not_after) - 1);
		t->not_after[n > 0 ? n : 0] = 0;
		BIO_free(b);
		if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0)
			log_warn("tls-cert %s: expired on %s", cert, t->not_after);
	}
	return 0;
}

/* The address of "ADDR:PORT" or "[ADDR6]:PORT", the name a sensor checks by default. */
static void addr_host(const char *addr, char *host, size_t len)
{
	const char *colon = strrchr(addr, ':');
	size_t n = colon ? (size_t)(colon - addr) : strlen(addr);

	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
		addr++;
		n -= 2;
	}
	snprintf(host, len, "%.*s", (int)n, addr);
}

int stratad_tls_new(const struct stratad_config *c, bool server, struct stratad_tls **tls,
		    char *err, size_t errlen)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "tls-cert", offsetof(struct stratad_config, tls_cert) },
		{ "tls-key", offsetof(struct stratad_config, tls_key) },
		{ "tls-ca", offsetof(struct stratad_config, tls_ca) },
		{ "tls-name", offsetof(struct stratad_config, tls_name) },
	};
	const char *key = *c->tls_key ? c->tls_key : c->tls_cert;
	struct in6_addr a6;
	struct stratad_tls *t;
	unsigned int i;

	*tls = NULL;
	for (i = 0; !c->tls && i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (*((const char *)c + keys[i].off)) {
			snprintf(err, errlen, "%s is set but tls = no: set tls = yes, or remove %s",
				 keys[i].key, keys[i].key);
			return -EINVAL;
		}
	}
	if (!c->tls)
		return 0;
	if (*c->tls_key && !*c->tls_cert) {
		snprintf(err, errlen, "tls-key is set without tls-cert: give the certificate too");
		return -EINVAL;
	}
	if (server && !*c->tls_cert) {
		snprintf(err, errlen, "tls = yes on the central host needs tls-cert (its "
			 "certificate, PEM) and tls-key (its key, if not in the same file)");
		return -EINVAL;
	}
	if (server && *c->tls_name) {
		snprintf(err, errlen, "tls-name is a sensor's key (the name the central host's "
			 "certificate must carry); remove it here");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "tls: out of memory");
		return -EINVAL;
	}
	t->server = server;
	t->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!t->ctx) {
		snprintf(err, errlen, "tls: %s", ossl_reason());
		goto fail;
	}
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	/*
	 * No renegotiation (either side), no compression; no tickets or cached
	 * sessions: a sensor keeps one connection, and nothing arrives after
	 * the handshake that is not the peer's data. An end of file without
	 * close_notify reads as an end of file: every message is framed and
	 * acknowledged, so a cut cannot pass for a whole message.
	 */
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
			    SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_default_passwd_cb(t->ctx, no_passphrase);
	if (server)
		SSL_CTX_set_num_tickets(t->ctx, 0);
	if (*c->tls_cert && load_cert_key(t, c->tls_cert, key, err, errlen))
		goto fail;
	if (*c->tls_ca) {
		if (readable("tls-ca", c->tls_ca, err, errlen))
			goto fail;
		if (SSL_CTX_load_verify_locations(t->ctx, c->tls_ca, NULL) != 1) {
			snprintf(err, errlen, "tls-ca %s: no PEM certificate in it: %s", c->tls_ca,
				 ossl_reason());
			goto fail;
		}
		snprintf(t->ca, sizeof(t->ca), "%s", c->tls_ca);
	} else if (!server && SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		snprintf(err, errlen, "tls: the system's trust store: %s", ossl_reason());
		goto fail;
	}
	if (server && *c->tls_ca) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(c->tls_ca);

		if (names)
			SSL_CTX_set_client_CA_list(t->ctx, names);
		ERR_clear_error();
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		t->mutual = true;
	} else if (!server) {
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
		if (*c->tls_name)
			snprintf(t->name, sizeof(t->name), "%s", c->tls_name);
		else
			addr_host(c->central, t->name, sizeof(t->name));
		t->name_is_ip = inet_pton(AF_INET, t->name, &a6) == 1 ||
			inet_pton(AF_INET6, t->name, &a6) == 1;
	}
	*tls = t;
	return 0;
fail:
	stratad_tls_free(t);
	return -EINVAL;
}

void stratad_tls_free(struct stratad_tls *tls)
{
	if (!tls)
		return;
	SSL_CTX_free(tls->ctx);
	free(tls);
}

const char *stratad_tls_describe(const struct stratad_tls *t, char *buf, size_t len)
{
	char own[400] = "";

	if (*t->subject)
		snprintf(own, sizeof(own), "%s certificate %s (until %s)",
			 t->server ? "its" : "client", t->subject, t->not_after);
	if (t->server)
		snprintf(buf, len, "TLS 1.2 or 1.3, %s; %s", own, t->mutual ?
			 "sensors must show a certificate that tls-ca verifies" :
			 "no client certificate asked (no tls-ca)");
	else
		snprintf(buf, len, "TLS 1.2 or 1.3, the central's certificate verified against %s%s "
			 "and its %s %s%s%s", *t->ca ? "tls-ca " : "the system's trust store",
			 t->ca, t->name_is_ip ? "address" : "name", t->name, *own ? "; " : "", own);
	return buf;
}

/* Why an SSL call failed, into @k->err, and the error queue emptied. */
static void conn_why(struct stratad_conn *k, int e)
{
	long v = k->ssl ? SSL_get_verify_result(k->ssl) : X509_V_OK;

	if (e == SSL_ERROR_SSL && v != X509_V_OK) {
		snprintf(k->err, sizeof(k->err), "certificate verify failed: %s",
			 X509_verify_cert_error_string(v));
		ERR_clear_error();
	} else if (e == SSL_ERROR_SSL) {
		snprintf(k->err, sizeof(k->err), "%s", ossl_reason());
	} else if (e == SSL_ERROR_SYSCALL && errno) {
		snprintf(k->err, sizeof(k->err), "%s", strerror(errno));
		ERR_clear_error();
	} else {
		snprintf(k->err, sizeof(k->err), "the peer closed the connection");
		ERR_clear_error();
	}
}

static __u64 mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

int stratad_tls_connect(struct stratad_tls *t, struct stratad_conn *k,
			unsigned int timeout_ms, char *err, size_t errlen)
{
	__u64 end = mono_ms() + timeout_ms;
	X509_VERIFY_PARAM *vp;
	bool mismatch;
	long v;

	k->err[0] = 0;
	if (fcntl(k->fd, F_SETFL, fcntl(k->fd, F_GETFL) | O_NONBLOCK) ||
	    !(k->ssl = SSL_new(t->ctx)) || SSL_set_fd(k->ssl, k->fd) != 1) {
		snprintf(err, errlen, "TLS: %s", ossl_reason());
		return -ENOMEM;
	}
	vp = SSL_get0_param(k->ssl);
	if (t->name_is_ip) {
		X509_VERIFY_PARAM_set1_ip_asc(vp, t->name);
	} else {
		SSL_set_tlsext_host_name(k->ssl, t->name);
		X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		X509_VERIFY_PARAM_set1_host(vp, t->name, 0);
	}
	for (;;) {
		struct pollfd pfd = { .fd = k->fd };
		__u64 now;
		int r, e;

		ERR_clear_error();
		r = SSL_connect(k->ssl);
		if (r == 1)
			return 0;
		e = SSL_get_error(k->ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			conn_why(k, e);
			break;
		}
		now = mono_ms();
		if (now >= end) {
			snprintf(err, errlen, "TLS handshake with %s: no answer in %u s", t->name,
				 timeout_ms / 1000);
			return -ETIMEDOUT;
		}
		pfd.events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		if (poll(&pfd, 1, (int)(end - now)) < 0 && errno != EINTR) {
			snprintf(k->err, sizeof(k->err), "poll: %s", strerror(errno));
			break;
		}
		if (stratad_stop)
			return -EINTR;
	}
	v = SSL_get_verify_result(k->ssl);
	mismatch = v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH;
	snprintf(err, errlen, "TLS handshake with %s: %s%s", t->name, k->err,
		 mismatch ? " (the certificate is not for it: set tls-name to a name it carries)" :
		 strstr(k->err, "wrong version number") ?
		 " (not TLS: is tls = yes on the central host?)" : "");
	return -EPROTO;
}

int stratad_tls_accept(struct stratad_tls *t, struct stratad_conn *k)
{
	k->err[0] = 0;
	k->ssl = SSL_new(t->ctx);
	if (!k->ssl || SSL_set_fd(k->ssl, k->fd) != 1) {
		ERR_clear_error();
		return -ENOMEM;
	}
	SSL_set_accept_state(k->ssl);
	return 0;
}

void stratad_tls_drop(struct stratad_conn *k)
{
	SSL_free(k->ssl);
	k->ssl = NULL;
}

int stratad_tls_handshake(struct stratad_conn *k, short *events)
{
	int r, e;

	ERR_clear_error();
	r = SSL_do_handshake(k->ssl);
	if (r == 1) {
		*events = POLLIN;
		return 1;
	}
	e = SSL_get_error(k->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		return 0;
	}
	conn_why(k, e);
	return -EPROTO;
}

ssize_t stratad_conn_recv(struct stratad_conn *k, void *buf, size_t len, int flags)
{
	int n, e;

	if (!k->ssl)
		return recv(k->fd, buf, len, flags);
	if (len > INT_MAX)
		len = INT_MAX;
	ERR_clear_error();
	n = flags & MSG_PEEK ? SSL_peek(k->ssl, buf, (int)len) : SSL_read(k->ssl, buf, (int)len);
	if (n > 0)
		return n;
	e = SSL_get_error(k->ssl, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		errno = EAGAIN;
		return -1;
	}
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	if (e == SSL_ERROR_SYSCALL && errno) {
		int saved = errno;

		conn_why(k, e);
		errno = saved;
		return -1;
	}
	conn_why(k, e);
	errno = EPROTO;
	return -1;
}

const char *stratad_conn_describe(const struct stratad_conn *k, char *buf, size_t len)
{
	X509 *x;

	if (!k->ssl) {
		snprintf(buf, len, "plain TCP");
		return buf;
	}
	x = SSL_get0_peer_certificate(k->ssl);
	snprintf(buf, len, "%s %s", SSL_get_version(k->ssl), SSL_get_cipher_name(k->ssl));
	if (x) {
		size_t n = strlen(buf);

		if (n + 16 < len) {
			strcpy(buf + n, ", certificate ");
			X509_NAME_oneline(X509_get_subject_name(x), buf + n + 14, (int)(len - n - 14));
		}
	}
	return buf;
}

bool stratad_conn_pending(const struct stratad_conn *k)
{
	return k->ssl && SSL_pending(k->ssl) > 0;
}

int stratad_conn_send_all(struct stratad_conn *k, const void *buf, size_t len,
			  unsigned int timeout_ms)
{
	const char *p = buf;

	if (!k->ssl)
		return stratad_send_all(k->fd, buf, len, timeout_ms);
	while (len) {
		/* After a WANT_*, SSL_write() is called again with the same bytes. */
		int n, e, chunk = len > INT_MAX ? INT_MAX : (int)len;

		ERR_clear_error();
		n = SSL_write(k->ssl, p, chunk);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		e = SSL_get_error(k->ssl, n);
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
			int r = stratad_wait(k->fd, e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN,
					     timeout_ms);

			if (r < 0)
				return r;
			continue;
		}
		if (e == SSL_ERROR_SYSCALL && errno) {
			int saved = errno;

			conn_why(k, e);
			return -saved;
		}
		conn_why(k, e);
		return -EPROTO;
	}
	return 0;
}

void stratad_conn_close(struct stratad_conn *k)
{
	if (k->ssl) {
		/* One close_notify, not waited for; none after a fatal error. */
		if (!k->err[0] && SSL_is_init_finished(k->ssl))
			SSL_shutdown(k->ssl);
		ERR_clear_error();
		SSL_free(k->ssl);
		k->ssl = NULL;
	}
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}
