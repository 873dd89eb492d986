// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include <AioUtils/networkerror.h>

namespace AioUtils {

/*!
    \class AioUtils::NetworkError
    \inmodule AioUtils
    \brief The failure of a network job: what QNetworkReply reported, where, and the HTTP status.

    A future from fetch(), toFuture() or request() fails with this exception; Group::join(),
    QFuture::result() and Bag::next() rethrow it, and taskFailed() carries what().
*/

/*!
    Describes a failed request to \a url: Qt's \a error code, the HTTP status line's code
    \a httpStatus (0 when no response arrived) and Qt's \a errorString.
*/
NetworkError::NetworkError(QNetworkReply::NetworkError error, int httpStatus, const QUrl &url,
                           const QString &errorString)
    : m_error(error), m_httpStatus(httpStatus), m_url(url), m_errorString(errorString)
{
    // what() must not allocate, so the message is composed once here.
    const QString where = url.toDisplayString();
    QString message;
    if (httpStatus > 0)
        message = QStringLiteral("%1: HTTP %2 (%3)").arg(where).arg(httpStatus).arg(errorString);
    else
        message = QStringLiteral("%1: %2").arg(where, errorString);
    m_what = message.toUtf8();
}

/*!
    Describes a request() to \a url that failed with Qt's \a error and \a errorString; when
    an answer arrived, \a response holds it and its status is httpStatus().
*/
NetworkError::NetworkError(QNetworkReply::NetworkError error, const QUrl &url,
                           const QString &errorString, Response response)
    : NetworkError(error, response.status, url, errorString)
{
    m_response = std::move(response);
}

/*!
    "<url>: HTTP <status> (<Qt's error string>)", or "<url>: <Qt's error string>" when no HTTP
    response arrived.
*/
const char *NetworkError::what() const noexcept
{
    return m_what.constData();
}

void NetworkError::raise() const
{
    throw *this;
}

NetworkError *NetworkError::clone() const
{
    return new NetworkError(*this);
}

} // namespace AioUtils
