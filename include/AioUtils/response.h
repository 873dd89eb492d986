// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_RESPONSE_H
#define AIOUTILS_RESPONSE_H

#include <AioUtils/aioutils_network_export.h>

#include <QtCore/qbytearray.h>
#include <QtCore/qbytearrayview.h>
#include <QtCore/qlist.h>
#include <QtCore/qmetatype.h>
#include <QtCore/qobjectdefs.h>
#include <QtCore/qpair.h>
#include <QtCore/qstring.h>
#include <QtCore/qurl.h>
#include <QtCore/qvariant.h>

namespace AioUtils {

// A whole HTTP answer, as request() gives it. A gadget: from QML (a Bag's result), its
// properties read as `status`, `url`, `contentType`, `headers` (lower-cased names), `text` and
// `body`.
struct AIOUTILS_NETWORK_EXPORT Response
{
    Q_GADGET
    Q_PROPERTY(int status MEMBER status)
    Q_PROPERTY(QUrl url MEMBER url)
    Q_PROPERTY(QString contentType READ contentTypeText)
    Q_PROPERTY(QVariantMap headers READ headerMap)
    Q_PROPERTY(QString text READ text)
    Q_PROPERTY(QByteArray body MEMBER body)

public:
    int status = 0;         // the HTTP status; 0 when no answer arrived
    QUrl url;               // where the answer came from, after redirects
    QByteArray contentType; // the MIME type, lower-cased, without parameters ("text/html")
    QList<QPair<QByteArray, QByteArray>> headers; // as received, in order
    QByteArray body;

    // The value of the header `name` (case does not matter); several are joined with ", ".
    // Empty when there is none.
    QByteArray header(QByteArrayView name) const;
    // The body decoded with the charset of its Content-Type, UTF-8 when it names none (or one
    // Qt cannot decode).
    QString text() const;
    // The headers as one map from lower-cased name to value (repeated ones joined with ", ").
    QVariantMap headerMap() const;
    QString contentTypeText() const { return QString::fromLatin1(contentType); }
    bool isSuccess() const noexcept { return status >= 200 && status < 300; }
};

} // namespace AioUtils

Q_DECLARE_METATYPE(AioUtils::Response)

#endif // AIOUTILS_RESPONSE_H
