// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_NETWORK_H
#define AIOUTILS_NETWORK_H

#include <AioUtils/aioutils_network_export.h>
#include <AioUtils/networkerror.h>

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

} // namespace AioUtils

#endif // AIOUTILS_NETWORK_H
