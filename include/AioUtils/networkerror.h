// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_NETWORKERROR_H
#define AIOUTILS_NETWORKERROR_H

#include <AioUtils/aioutils_network_export.h>
#include <AioUtils/response.h>

#include <QtCore/qbytearray.h>
#include <QtCore/qexception.h>
#include <QtCore/qstring.h>
#include <QtCore/qurl.h>
#include <QtNetwork/qnetworkreply.h>

namespace AioUtils {

class AIOUTILS_NETWORK_EXPORT NetworkError : public QException
{
public:
    NetworkError(QNetworkReply::NetworkError error, int httpStatus, const QUrl &url,
                 const QString &errorString);
    // A failed request() that got an answer: its status is the error's.
    NetworkError(QNetworkReply::NetworkError error, const QUrl &url, const QString &errorString,
                 Response response);

    QNetworkReply::NetworkError error() const noexcept { return m_error; }
    int httpStatus() const noexcept { return m_httpStatus; }
    QUrl url() const { return m_url; }
    QString errorString() const { return m_errorString; }
    // The answer, when one arrived (request() only): status 0 when there was none.
    const Response &response() const noexcept { return m_response; }
    const char *what() const noexcept override;

    void raise() const override;
    NetworkError *clone() const override;

private:
    QNetworkReply::NetworkError m_error;
    int m_httpStatus;
    QUrl m_url;
    QString m_errorString;
    QByteArray m_what;
    Response m_response;
};

} // namespace AioUtils

#endif // AIOUTILS_NETWORKERROR_H
