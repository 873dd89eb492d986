// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_NETWORK_H
#define AIOUTILS_NETWORK_H

#include <AioUtils/aioutils_network_export.h>
#include <AioUtils/networkerror.h>
#include <AioUtils/response.h>

#include <QtCore/qbytearray.h>
#include <QtCore/qfuture.h>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
class QNetworkReply;
class QNetworkRequest;
QT_END_NAMESPACE

namespace AioUtils {

// Not overloaded on purpose: `pool.spawn(AioUtils::fetch, &nam, request)` needs one address.
AIOUTILS_NETWORK_EXPORT QFuture<QByteArray> fetch(QNetworkAccessManager *nam,
                                                  const QNetworkRequest &request);

AIOUTILS_NETWORK_EXPORT QFuture<QByteArray> toFuture(QNetworkReply *reply);

// How request() tries again. The delay before attempt n+1 is initialBackoffMs * 2^(n-1), at most
// maxBackoffMs, of which a random half is taken off (jitter), unless the server named one with
// Retry-After (seconds or an HTTP date; capped at maxBackoffMs).
struct RetryPolicy
{
    int maxAttempts = 1; // 1: no retry
    int initialBackoffMs = 200;
    int maxBackoffMs = 30000;
};

struct RequestOptions
{
    QByteArray method; // empty: GET (with a body: POST)
    QByteArray body;   // sent with the request
    int timeoutMs = 0; // for each attempt, from its start to its end; 0: none
    RetryPolicy retry;
};

// Sends `request` with `nam` and returns the whole answer. A 2xx answer is the result; any other,
// and a request that got no answer, fails with NetworkError (which carries the Response of an
// answer). Tries again as options.retry says after a connection error, a timeout, a body cut
// short, 429 and 503; never after another 4xx. Not overloaded, so it can be spawned by name.
AIOUTILS_NETWORK_EXPORT QFuture<Response> request(QNetworkAccessManager *nam,
                                                  const QNetworkRequest &request,
                                                  const RequestOptions &options = {});

} // namespace AioUtils

#endif // AIOUTILS_NETWORK_H
