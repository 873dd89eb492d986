// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef LOCALSITE_LOCALSITE_H
#define LOCALSITE_LOCALSITE_H

#include "httpserver.h"

#include <QtCore/QByteArray>
#include <QtCore/QHash>
#include <QtCore/QMutex>
#include <QtCore/QObject>
#include <QtCore/QUrl>

#include <memory>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace LocalSite {

struct SiteOptions
{
    int pages = 300;
    int seed = 1;
    int minDelayMs = 5;
    int maxDelayMs = 60;
    int slowEvery = 17; // every slowEvery-th page answers after slowDelayMs; 0: none
    int slowDelayMs = 400;
    // The quirks area (/quirks/, linked from "/"): redirects, another host name, 203, 204, 429
    // and 503 once, JSON, a commented-out link, data-href, a character reference in a query, and
    // one path in several spellings (see Site). Off: "/" does not link to it and /quirks/* is 404,
    // so a client that measures or counts pages sees only the generated ones.
    bool quirks = true;
    // The downloads area (/files/, see Site): this many files; 0: none.
    int files = 24;
};

// What the quirks remember between requests: how many requests each /quirks/ path (normalized:
// unreserved characters decoded, other escapes in upper case, no query) has had. Any thread may
// read it while the site's thread serves.
class QuirkState
{
public:
    QuirkState() = default;

    // Counts one more request for `path`; returns the count with this one (1 the first time).
    int count(const QByteArray &path);
    int requests(const QByteArray &path) const;

private:
    mutable QMutex m_mutex;
    QHash<QByteArray, int> m_requests;

    Q_DISABLE_COPY(QuirkState)
};

class Site : public QObject
{
    Q_OBJECT

public:
    explicit Site(SiteOptions options = {}, QObject *parent = nullptr);
    ~Site() override;

    bool listen();
    QUrl url() const;
    HttpServer *server() const;
    int pageCount() const;
    // Requests for a /quirks/ path so far, in its normalized spelling (QuirkState).
    int quirkRequests(const QByteArray &path) const;

    // The answer to `request`: a function of the options and the request, except in /quirks/,
    // where some answers depend on how often their path was asked for before (`state`).
    static HttpResponse respond(const SiteOptions &options, QuirkState &state,
                                const HttpRequest &request);

private:
    const SiteOptions m_options;
    // Shared with the server's handler, which holds a reference of its own.
    const std::shared_ptr<QuirkState> m_quirks;
    HttpServer *const m_server;

    Q_DISABLE_COPY(Site)
};

class SiteThread
{
public:
    explicit SiteThread(SiteOptions options = {});
    ~SiteThread();

    bool start();
    QUrl url() const;
    int pageCount() const;
    HttpServer *server() const;
    // Site::quirkRequests(); 0 before start().
    int quirkRequests(const QByteArray &path) const;

private:
    const SiteOptions m_options;
    std::unique_ptr<QThread> m_thread;
    Site *m_site = nullptr;
    QUrl m_url;

    Q_DISABLE_COPY(SiteThread)
};

} // namespace LocalSite

#endif // LOCALSITE_LOCALSITE_H
