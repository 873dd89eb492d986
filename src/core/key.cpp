// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include <AioUtils/key.h>

#include <QtCore/qurl.h>

namespace AioUtils {

/*!
    \class AioUtils::Key
    \inmodule AioUtils
    \brief The key of a keyed task: tasks with one key share its per-key rules.

    A keyed task (Group::spawn(const Key &, ...), Group::post(const Key &, ...)) obeys the
    group's \l{Group::limitPerKey}{limitPerKey} and \l{Group::rateLimitPerKey}{rateLimitPerKey}
    for its key, and Group::spawnOnce() and Group::spawnLatest() find tasks by it. Two keys are
    the same key when their names are equal. An empty key is no key: a task spawned with it is an
    unkeyed task, and no per-key rule applies to it.

    \code
    pool.setLimitPerKey(2); // at most two requests per host at once
    for (const QUrl &url : urls)
        pool.spawn(AioUtils::Key::host(url), AioUtils::request, &nam, QNetworkRequest(url),
                   AioUtils::RequestOptions());
    \endcode
*/

/*!
    \fn AioUtils::Key::Key()
    No key: a task spawned with it is an unkeyed task.
*/

/*!
    \fn AioUtils::Key::Key(QString name)
    The key named \a name; an empty name is no key.
*/

/*!
    The key of the server \a url is on: its scheme, host and port, as in
    \c{"https://example.org:443"} (the scheme's default port when the URL names none, for http,
    https, ws and wss), so that \c{http://a/x} and \c{http://a:80/y} share a key. A URL without a
    host (a local file, an invalid URL) gives no key.
*/
Key Key::host(const QUrl &url)
{
    const QString host = url.host(QUrl::FullyEncoded).toLower();
    if (host.isEmpty())
        return Key();
    const QString scheme = url.scheme().toLower();
    int defaultPort = -1;
    if (scheme == QLatin1String("http") || scheme == QLatin1String("ws"))
        defaultPort = 80;
    else if (scheme == QLatin1String("https") || scheme == QLatin1String("wss"))
        defaultPort = 443;
    const int port = url.port(defaultPort);
    QString name = scheme + QLatin1String("://")
            + (host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host);
    if (port >= 0)
        name += QLatin1Char(':') + QString::number(port);
    return Key(std::move(name));
}

/*!
    \fn QString AioUtils::Key::toString() const
    Returns the key's name; empty for no key.
*/

/*!
    \fn bool AioUtils::Key::isEmpty() const
    Returns whether this is no key (an empty name).
*/

/*!
    \fn bool AioUtils::operator==(const AioUtils::Key &a, const AioUtils::Key &b)
    \relates AioUtils::Key
    Returns whether \a a and \a b have the same name.
*/

/*!
    \fn bool AioUtils::operator!=(const AioUtils::Key &a, const AioUtils::Key &b)
    \relates AioUtils::Key
    Returns whether \a a and \a b have different names.
*/

/*!
    \fn bool AioUtils::operator<(const AioUtils::Key &a, const AioUtils::Key &b)
    \relates AioUtils::Key
    Returns whether the name of \a a sorts before the name of \a b, for sorted containers.
*/

/*!
    \fn size_t AioUtils::qHash(const AioUtils::Key &key, size_t seed)
    \relates AioUtils::Key
    Returns the hash of \a key's name with \a seed, for QHash and QSet.
*/

} // namespace AioUtils
