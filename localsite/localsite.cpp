// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "localsite.h"

#include <QtCore/QByteArrayList>
#include <QtCore/QRandomGenerator>
#include <QtCore/QThread>

#include <algorithm>
#include <utility>

namespace LocalSite {

/*!
    \class LocalSite::Site
    \brief A made-up web site of SiteOptions::pages HTML pages, served by an HttpServer.

    Everything is a function of the options and the request (respond()), so every run serves the
    same site:

    \list
    \li "/" links to /page/1 ... /page/10.
    \li "/page/<i>" (1 <= i <= pages) has the title "Page i", a heading, 0.5 to 8 KB of text and
        about six links, written relative, root-relative and absolute (same host): four make a
        tree that reaches every page breadth-first from "/" (page i links to 4i+7 ... 4i+10), the
        others go anywhere. Some pages also link to /missing/<k> (404), a few to /error (500), and
        every page to http://example.invalid/, which a crawler must not follow.
    \li Each page answers after a delay in [minDelayMs, maxDelayMs]; every slowEvery-th page after
        slowDelayMs. Everything else answers after minDelayMs; unknown paths with 404.
    \endlist
*/

namespace {

constexpr int IndexLinks = 10;
constexpr int TreeLinks = 4;
constexpr int CrossLinks = 2;

int firstTreeChild(int page)
{
    return TreeLinks * page + IndexLinks - TreeLinks + 1;
}

QByteArray document(const QByteArray &title, const QByteArray &body)
{
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + title
            + "</title>\n</head>\n<body>\n" + body + "</body>\n</html>\n";
}

HttpResponse errorResponse(int status, const QByteArray &reason, int delayMs)
{
    HttpResponse response;
    response.status = status;
    response.delayMs = delayMs;
    const QByteArray title = QByteArray::number(status) + ' ' + reason;
    response.body = document(title, "<h1>" + title + "</h1>\n<p><a href=\"/\">Home</a></p>\n");
    return response;
}

// The host that absolute links name: the one the client asked for, if it looks like a host.
QByteArray hostOf(const HttpRequest &request)
{
    const QByteArray host = request.headers.value("host");
    for (const char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
        if (!ok)
            return QByteArray();
    }
    return host;
}

// The same target page, written in one of the ways a page can link to it from /page/<i>.
QByteArray href(int target, quint32 style, const QByteArray &host)
{
    const QByteArray number = QByteArray::number(target);
    switch (style % 5) {
    case 0:
        return number; // relative to /page/<i>
    case 1:
        return "../page/" + number;
    case 2:
        return host.isEmpty() ? "/page/" + number : "http://" + host + "/page/" + number;
    case 3:
        return "/page/" + number + "#section-" + QByteArray::number(style % 3 + 1);
    default:
        return "/page/" + number;
    }
}

QByteArray text(QRandomGenerator &random, qsizetype bytes)
{
    static const QByteArrayList words = {
        "future",  "promise",  "task",   "group",   "pool",    "bag",      "result", "spawn",
        "join",    "cancel",   "thread", "event",   "loop",    "signal",   "slot",   "timer",
        "request", "response", "socket", "page",    "link",    "crawler",  "queue",  "context",
        "order",   "complete", "yield",  "network", "latency", "parallel", "qt",     "async",
    };
    QByteArray out;
    out.reserve(bytes + 64);
    while (out.size() < bytes) {
        out += "<p>";
        const qsizetype paragraphEnd = out.size() + 200 + random.bounded(400);
        bool first = true;
        while (out.size() < paragraphEnd && out.size() < bytes) {
            QByteArray word = words.at(random.bounded(int(words.size())));
            if (first)
                word[0] = char(word[0] - 'a' + 'A');
            out += first ? word : ' ' + word;
            first = false;
        }
        out += ".</p>\n";
    }
    return out;
}

int pageDelay(const SiteOptions &options, int page, QRandomGenerator &random)
{
    if (options.slowEvery > 0 && page % options.slowEvery == 0)
        return options.slowDelayMs;
    const int spread = std::max(0, options.maxDelayMs - options.minDelayMs);
    return options.minDelayMs + int(random.bounded(quint32(spread) + 1));
}

HttpResponse indexPage(const SiteOptions &options)
{
    QByteArray body = "<h1>LocalSite</h1>\n<p>A made-up site of "
            + QByteArray::number(options.pages) + " pages.</p>\n<ul>\n";
    for (int page = 1; page <= std::min(IndexLinks, options.pages); ++page) {
        const QByteArray number = QByteArray::number(page);
        body += "<li><a href=\"/page/" + number + "\">Page " + number + "</a></li>\n";
    }
    body += "</ul>\n";
    HttpResponse response;
    response.body = document("LocalSite", body);
    response.delayMs = options.minDelayMs;
    return response;
}

HttpResponse contentPage(const SiteOptions &options, int page, const QByteArray &host)
{
    const quint32 seeds[] = { quint32(options.seed), quint32(page) };
    QRandomGenerator random(seeds);

    HttpResponse response;
    response.delayMs = pageDelay(options, page, random);

    const QByteArray number = QByteArray::number(page);
    QByteArray body = "<h1 id=\"top\">Page " + number + "</h1>\n";
    body += text(random, 512 + random.bounded(7 * 1024 + 1));
    body += "<ul>\n";
    QByteArrayList links;
    for (int child = firstTreeChild(page); child < firstTreeChild(page) + TreeLinks; ++child) {
        if (child <= options.pages)
            links.append(href(child, random.generate(), host));
    }
    for (int i = 0; i < CrossLinks; ++i)
        links.append(
                href(1 + int(random.bounded(quint32(options.pages))), random.generate(), host));
    if (random.bounded(8) == 0)
        links.append("/missing/" + QByteArray::number(random.bounded(1000)));
    if (page % 40 == 3)
        links.append("/error");
    links.append("#top");
    links.append("/");
    for (const QByteArray &link : std::as_const(links))
        body += "<li><a href=\"" + link + "\">" + link + "</a></li>\n";
    body += "</ul>\n<p>Served by LocalSite, not by <a href=\"http://example.invalid/\">"
            "example.invalid</a>.</p>\n";
    response.body = document("Page " + number, body);
    return response;
}

} // namespace

Site::Site(SiteOptions options, QObject *parent)
    : QObject(parent), m_options(options),
      m_server(new HttpServer(
              [options](const HttpRequest &request) { return Site::respond(options, request); },
              this))
{
}

Site::~Site() = default;

bool Site::listen()
{
    return m_server->listen();
}

QUrl Site::url() const
{
    return m_server->url();
}

HttpServer *Site::server() const
{
    return m_server;
}

int Site::pageCount() const
{
    return m_options.pages;
}

HttpResponse Site::respond(const SiteOptions &options, const HttpRequest &request)
{
    const qsizetype query = request.path.indexOf('?');
    const QByteArray path = query < 0 ? request.path : request.path.left(query);
    if (path == "/" || path == "/index.html")
        return indexPage(options);
    if (path == "/error")
        return errorResponse(500, "Internal Server Error", options.minDelayMs);
    if (path.startsWith("/page/")) {
        const QByteArray number = path.mid(6);
        bool ok = false;
        const int page = number.toInt(&ok);
        // Only the canonical spelling: /page/007 is not /page/7.
        if (ok && page >= 1 && page <= options.pages && QByteArray::number(page) == number)
            return contentPage(options, page, hostOf(request));
    }
    return errorResponse(404, "Not Found", options.minDelayMs);
}

/*!
    \class LocalSite::SiteThread
    \brief A Site in a thread of its own, so that a client on the main thread talks to it as it
    would to a remote server: the site's delays never block the client's event loop, nor the
    other way round.
*/

SiteThread::SiteThread(SiteOptions options) : m_options(options) { }

SiteThread::~SiteThread()
{
    if (!m_thread)
        return;
    // The site is deleted in its own thread, as the thread finishes (finished -> deleteLater).
    m_thread->quit();
    m_thread->wait();
}

bool SiteThread::start()
{
    if (m_thread)
        return !m_url.isEmpty();
    m_thread = std::make_unique<QThread>();
    m_thread->setObjectName(QStringLiteral("LocalSite"));
    m_site = new Site(m_options);
    m_site->moveToThread(m_thread.get());
    QObject::connect(m_thread.get(), &QThread::finished, m_site, &QObject::deleteLater);
    m_thread->start();

    bool listening = false;
    QMetaObject::invokeMethod(
            m_site, [this, &listening] { listening = m_site->listen(); },
            Qt::BlockingQueuedConnection);
    if (listening)
        m_url = m_site->url();
    return listening;
}

QUrl SiteThread::url() const
{
    return m_url;
}

int SiteThread::pageCount() const
{
    return m_options.pages;
}

HttpServer *SiteThread::server() const
{
    return m_site ? m_site->server() : nullptr;
}

} // namespace LocalSite
