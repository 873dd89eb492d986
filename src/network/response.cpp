// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include <AioUtils/response.h>

#include <QtCore/qstringconverter.h>

namespace AioUtils {

/*!
    \class AioUtils::Response
    \inmodule AioUtils
    \brief A whole HTTP answer: status, final URL, headers and body, as request() gives it.

    \c status is the HTTP status (0 when no answer arrived, in NetworkError::response()),
    \c url the URL the answer came from after redirects (the base for the page's relative
    links), \c contentType the MIME type in lower case without its parameters (\c text/html),
    \c headers the header lines as received, \c body the bytes. A registered metatype and a
    gadget: a Bag of responses hands them to QML, where \c status, \c url, \c contentType,
    \c headers (an object keyed by lower-cased names), \c text and \c body read as properties.
*/

/*!
    Returns the value of the header \a name, whatever its case; several headers of that name are
    joined with ", " (as HTTP allows). Empty when there is none.
*/
QByteArray Response::header(QByteArrayView name) const
{
    QByteArray value;
    bool found = false;
    for (const auto &[key, text] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        if (std::exchange(found, true))
            value += ", ";
        value += text;
    }
    return value;
}

/*!
    Returns the body decoded with the charset its Content-Type names, or as UTF-8 when it names
    none or one Qt cannot decode.
*/
QString Response::text() const
{
    const QByteArray type = header("content-type");
    for (QByteArray parameter : type.split(';')) {
        parameter = parameter.trimmed();
        if (!parameter.toLower().startsWith("charset="))
            continue;
        QByteArray charset = parameter.mid(8).trimmed();
        if (charset.size() >= 2 && charset.startsWith('"') && charset.endsWith('"'))
            charset = charset.mid(1, charset.size() - 2);
        QStringDecoder decoder(charset.constData());
        if (decoder.isValid())
            return decoder.decode(body);
        break;
    }
    return QString::fromUtf8(body);
}

/*!
    \property AioUtils::Response::headers
    \brief The headers as QML reads them: an object keyed by lower-cased name (headerMap()).
*/

/*!
    Returns the headers as a map from lower-cased name to value, repeated ones joined with ", ".
*/
QVariantMap Response::headerMap() const
{
    QVariantMap map;
    for (const auto &[key, text] : headers) {
        const QString name = QString::fromLatin1(key).toLower();
        auto it = map.find(name);
        if (it == map.end())
            map.insert(name, QString::fromLatin1(text));
        else
            *it = it->toString() + QLatin1String(", ") + QString::fromLatin1(text);
    }
    return map;
}

} // namespace AioUtils
