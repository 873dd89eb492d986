// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The crawl rules of crawlrules.h for Main.qml, as the singleton CrawlRules (import QmlCrawler):
// the Qt Quick crawler reads titles and links, and tells pages apart, with the same C++ as the
// C++ crawlers. URLs go in and out as strings, fully encoded, so that JavaScript can key a Set
// on them.

#ifndef QMLCRAWLRULES_H
#define QMLCRAWLRULES_H

#include "crawlrules.h"

#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QUrl>
#include <QtQml/qqmlregistration.h>

class QmlCrawlRules : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(CrawlRules)
    QML_SINGLETON

public:
    using QObject::QObject;

    // The page's http(s) links (Crawl::linksOf()) in canonical form, resolved against `base`.
    Q_INVOKABLE QStringList linksOf(const QString &html, const QString &base) const
    {
        QStringList links;
        for (const QUrl &link : Crawl::linksOf(html, QUrl(base)))
            links.append(link.toString(QUrl::FullyEncoded));
        return links;
    }

    // The page's title (Crawl::titleOf()).
    Q_INVOKABLE QString titleOf(const QString &html) const { return Crawl::titleOf(html); }

    // The canonical form of an http or https URL (Crawl::canonical()); an empty string for
    // anything else, which is how Main.qml tells a bad start URL.
    Q_INVOKABLE QString canonical(const QString &url) const
    {
        const QUrl result = Crawl::canonical(QUrl(url));
        if (!result.isValid() || !Crawl::isWebScheme(result.scheme()) || result.host().isEmpty())
            return QString();
        return result.toString(QUrl::FullyEncoded);
    }

    // Whether a body of this MIME type has links (Crawl::isHtml()).
    Q_INVOKABLE bool isHtml(const QString &contentType) const
    {
        return Crawl::isHtml(contentType.toLatin1());
    }

    // Whether two URLs are on one site (Crawl::sameSite()).
    Q_INVOKABLE bool sameSite(const QString &a, const QString &b) const
    {
        return Crawl::sameSite(QUrl(a), QUrl(b));
    }
};

#endif // QMLCRAWLRULES_H
