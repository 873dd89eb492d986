// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "localsite.h"

#include <QtCore/QByteArrayList>
#include <QtCore/QMutexLocker>
#include <QtCore/QRandomGenerator>
#include <QtCore/QThread>

#include <algorithm>
#include <utility>

namespace LocalSite {

/*!
    \class LocalSite::Site
    \brief A made-up web site of SiteOptions::pages HTML pages, served by an HttpServer.

    Every answer is a function of the options and the request (respond()), so every run serves
    the same site; only /quirks/busy and /quirks/flaky also depend on whether they were asked for
    before (QuirkState):

    \list
    \li "/" links to /page/1 ... /page/10.
    \li "/page/<i>" (1 <= i <= pages) has the title "Page i", a heading, 0.5 to 8 KB of text and
        about six links, written relative, root-relative and absolute (same host): four make a
        tree that reaches every page breadth-first from "/" (page i links to 4i+7 ... 4i+10), the
        others go anywhere. Some pages also link to /missing/<k> (404), a few to /error (500), and
        every page to http://example.invalid/, which a crawler must not follow.
    \li Each page answers after a delay in [minDelayMs, maxDelayMs]; every slowEvery-th page after
        slowDelayMs. Everything else answers after minDelayMs; unknown paths with 404.
    \li With SiteOptions::quirks (the default), "/" links to /quirks/ too: a small area of what
        real sites do, each of which a crawler must get right (below). Without it every path in
        /quirks/ is 404.
    \endlist

    The quirks area (HTML in UTF-8 unless said otherwise; every answer after minDelayMs):

    \list
    \li "/quirks" answers 301 to "/quirks/"; any path in /quirks/ not listed here is 404.
    \li "/quirks/", titled "Quirks &#8212; &amp; more" (decoded: "Quirks — & more"), links to
        everything below: relative, root-relative, with a character reference in the query
        (q?a=1&#038;lang=en), and one page in several spellings. It also has a link in an HTML
        comment (/quirks/commented) and an <a> whose data-href is /quirks/data-href but whose href
        is /quirks/real: only /quirks/real is a link.
    \li "/quirks/manual" answers 301 with "Location: /quirks/manual/" (a directory without its
        slash). "/quirks/manual/" links "intro.html" and "setup.html", which resolve to
        /quirks/manual/intro.html and /quirks/manual/setup.html ("Intro", "Setup") against the URL
        after the redirect; /quirks/intro.html and /quirks/setup.html (against the URL before it)
        are 404.
    \li "/quirks/away" answers 302 to http://localhost:<port>/quirks/landing: the same server
        under another host name, which is another site for a crawler (scheme, host and port), so
        the landing page's relative link "landing-link" must not be followed. The port is the
        one in the request's Host header.
    \li "/quirks/non-authoritative" answers 203 with a page ("Non-authoritative");
        "/quirks/empty" answers 204 with no body and no Content-Type.
    \li "/quirks/busy" answers 429 with "Retry-After: 1" the first time, then 200 ("Busy no
        more"); "/quirks/flaky" answers 503 (no Retry-After) the first time, then 200 ("Flaky no
        more"). The first time is per Site: its QuirkState counts the requests of each path.
    \li "/quirks/data.json" is application/json, {"html": "<a href=\"/quirks/from-json\">x</a>"}:
        markup in a string is not a link.
    \li "/quirks/from-json", "/quirks/commented", "/quirks/data-href" and "/quirks/real" are
        pages titled with their names, so that following a link that is not one shows as a page
        fetched (not as a 404 that could go unnoticed).
    \li "/quirks/q" is "Query ok" for the query a=1&lang=en exactly, else 404.
    \li "/quirks/%C3%BC" ("ü page"), "/quirks/~tilde" ("Tilde") and "/quirks/a%20b" ("Space")
        answer in any spelling of their path: escapes of unreserved characters decoded, other
        escapes in any case (%c3%bc, %7Etilde). /quirks/ links each of them in several spellings
        (%C3%BC, a raw UTF-8 ü, %c3%bc; ~tilde, %7Etilde; "a b", a%20b): a crawler that
        normalizes URLs fetches each once. QuirkState counts the requests of the normalized path.
    \endlist

    The downloads area, for examples/qml-downloads (SiteOptions::files; 0 leaves it out):
    \list
    \li "/files/" is text/plain, one line for each /files/<n>.bin, n from 1 to
        SiteOptions::files: even n as an absolute URL on "localhost" at the port of the request's
        Host header (the same server under a second host name: two hosts for per-host limits),
        odd n on the host of the request as a path ("<n>.bin" relative to the list, or
        "/files/<n>.bin"). Written as lists are by hand: a # comment and a blank line first,
        some lines ending in CRLF, and at the end file 1 again (as an absolute URL), an ftp: URL
        and a line that is no URL.
    \li "/files/<n>.bin" is application/octet-stream, 16 to 215 KiB of one repeated byte, and by
        n: n % 6 == 0 is slow (its body leaves in ten parts 200 ms apart); otherwise n % 9 == 4
        answers 503 the first time it is asked for and the file after (QuirkState counts);
        n % 10 == 7 is 404; n % 11 == 5 is cut short (half the body, then the connection
        closes); n % 8 == 3 answers 302 to "/files/moved/<n>.bin", which is the file.
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
    if (options.quirks)
        body += "<li><a href=\"/quirks/\">Quirks</a></li>\n";
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

bool isUnreserved(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
            || c == '.' || c == '_' || c == '~';
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// One spelling per path (RFC 3986 6.2.2): escapes of unreserved characters decoded, other
// escapes in upper case. A '%' that starts no escape is left as it is.
QByteArray normalizedPath(const QByteArray &path)
{
    QByteArray out;
    out.reserve(path.size());
    for (qsizetype i = 0; i < path.size(); ++i) {
        const char c = path.at(i);
        if (c == '%' && i + 2 < path.size() && hexValue(path.at(i + 1)) >= 0
            && hexValue(path.at(i + 2)) >= 0) {
            const char decoded = char(hexValue(path.at(i + 1)) * 16 + hexValue(path.at(i + 2)));
            if (isUnreserved(decoded))
                out += decoded;
            else
                out += '%' + path.mid(i + 1, 2).toUpper();
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// The port of the request's Host header ("127.0.0.1:8080", "[::1]:8080"); empty if it has none.
QByteArray portOf(const QByteArray &host)
{
    const qsizetype colon = host.lastIndexOf(':');
    if (colon < 0 || colon < host.lastIndexOf(']'))
        return QByteArray();
    const QByteArray port = host.mid(colon + 1);
    bool ok = false;
    port.toUShort(&ok);
    return ok ? port : QByteArray();
}

HttpResponse quirkPage(const QByteArray &title, const QByteArray &body, int delayMs)
{
    HttpResponse response;
    response.delayMs = delayMs;
    response.body = document(title, "<h1>" + title + "</h1>\n" + body);
    return response;
}

HttpResponse redirect(int status, const QByteArray &location, int delayMs)
{
    HttpResponse response;
    response.status = status;
    response.delayMs = delayMs;
    response.headers.append(qMakePair(QByteArray("Location"), location));
    response.body = document(
            "Moved", "<p>Moved to <a href=\"" + location + "\">" + location + "</a>.</p>\n");
    return response;
}

HttpResponse quirksIndex(int delayMs)
{
    // Each link is written as it is on purpose; see the class comment.
    const QByteArray body = "<p>What real sites do.</p>\n<ul>\n"
                            "<li><a href=\"manual\">The manual, a directory</a></li>\n"
                            "<li><a data-href=\"/quirks/data-href\" href=\"/quirks/real\">"
                            "data-href is no link</a></li>\n"
                            "<!-- <a href=\"/quirks/commented\">x</a> -->\n"
                            "<li><a href=\"q?a=1&#038;lang=en\">A query</a></li>\n"
                            "<li><a href=\"/quirks/away\">Away</a></li>\n"
                            "<li><a href=\"non-authoritative\">203</a></li>\n"
                            "<li><a href=\"empty\">204</a></li>\n"
                            "<li><a href=\"busy\">Busy</a></li>\n"
                            "<li><a href=\"flaky\">Flaky</a></li>\n"
                            "<li><a href=\"data.json\">JSON</a></li>\n"
                            "<li><a href=\"%C3%BC\">u-umlaut, escaped</a></li>\n"
                            "<li><a href=\"\xC3\xBC\">u-umlaut, raw</a></li>\n"
                            "<li><a href=\"%c3%bc\">u-umlaut, lower-case escapes</a></li>\n"
                            "<li><a href=\"~tilde\">Tilde</a></li>\n"
                            "<li><a href=\"%7Etilde\">Tilde, escaped</a></li>\n"
                            "<li><a href=\"a b\">Space</a></li>\n"
                            "<li><a href=\"a%20b\">Space, escaped</a></li>\n"
                            "</ul>\n";
    HttpResponse response;
    response.delayMs = delayMs;
    response.body = document("Quirks &#8212; &amp; more", "<h1>Quirks</h1>\n" + body);
    return response;
}

// An answer in /quirks/ (`path` as sent, without the query).
HttpResponse quirk(const SiteOptions &options, QuirkState &state, const HttpRequest &request,
                   const QByteArray &rawPath, const QByteArray *query)
{
    const QByteArray path = normalizedPath(rawPath);
    const int requests = state.count(path);
    const int delay = options.minDelayMs;
    if (path == "/quirks")
        return redirect(301, "/quirks/", delay);
    if (path == "/quirks/")
        return quirksIndex(delay);
    if (path == "/quirks/manual")
        return redirect(301, "/quirks/manual/", delay);
    if (path == "/quirks/manual/") {
        return quirkPage("Manual",
                         "<ul>\n<li><a href=\"intro.html\">Intro</a></li>\n"
                         "<li><a href=\"setup.html\">Setup</a></li>\n</ul>\n",
                         delay);
    }
    if (path == "/quirks/manual/intro.html")
        return quirkPage("Intro", "<p>Read this first.</p>\n", delay);
    if (path == "/quirks/manual/setup.html")
        return quirkPage("Setup", "<p>Then this.</p>\n", delay);
    if (path == "/quirks/away") {
        const QByteArray port = portOf(hostOf(request));
        return redirect(302,
                        "http://localhost" + (port.isEmpty() ? QByteArray() : ':' + port)
                                + "/quirks/landing",
                        delay);
    }
    if (path == "/quirks/landing") {
        return quirkPage("Landing",
                         "<p>Another host name: <a href=\"landing-link\">not this site</a>.</p>\n",
                         delay);
    }
    if (path == "/quirks/non-authoritative") {
        HttpResponse response = quirkPage("Non-authoritative", "<p>From a proxy.</p>\n", delay);
        response.status = 203;
        return response;
    }
    if (path == "/quirks/empty") {
        HttpResponse response;
        response.status = 204;
        response.contentType.clear();
        response.delayMs = delay;
        return response;
    }
    if (path == "/quirks/busy") {
        if (requests == 1) {
            HttpResponse response = errorResponse(429, "Too Many Requests", delay);
            response.headers.append(qMakePair(QByteArray("Retry-After"), QByteArray("1")));
            return response;
        }
        return quirkPage("Busy no more", "<p>Asked again after a while.</p>\n", delay);
    }
    if (path == "/quirks/flaky") {
        if (requests == 1)
            return errorResponse(503, "Service Unavailable", delay);
        return quirkPage("Flaky no more", "<p>Asked again.</p>\n", delay);
    }
    if (path == "/quirks/data.json") {
        HttpResponse response;
        response.contentType = "application/json";
        response.delayMs = delay;
        response.body = R"({"html": "<a href=\"/quirks/from-json\">x</a>"})";
        return response;
    }
    if (path == "/quirks/from-json" || path == "/quirks/commented" || path == "/quirks/data-href"
        || path == "/quirks/real") {
        return quirkPage(path.mid(8), "<p>Linked, or not.</p>\n", delay);
    }
    if (path == "/quirks/q" && query && *query == "a=1&lang=en")
        return quirkPage("Query ok", "<p>a=1, lang=en.</p>\n", delay);
    if (path == "/quirks/%C3%BC")
        return quirkPage("\xC3\xBC page", "<p>One page, several spellings.</p>\n", delay);
    if (path == "/quirks/~tilde")
        return quirkPage("Tilde", "<p>One page, two spellings.</p>\n", delay);
    if (path == "/quirks/a%20b")
        return quirkPage("Space", "<p>One page, two spellings.</p>\n", delay);
    return errorResponse(404, "Not Found", delay);
}

} // namespace

int QuirkState::count(const QByteArray &path)
{
    const QMutexLocker locker(&m_mutex);
    return ++m_requests[path];
}

int QuirkState::requests(const QByteArray &path) const
{
    const QMutexLocker locker(&m_mutex);
    return m_requests.value(path);
}

Site::Site(SiteOptions options, QObject *parent)
    : QObject(parent), m_options(options), m_quirks(std::make_shared<QuirkState>()),
      m_server(new HttpServer(
              [options, quirks = m_quirks](const HttpRequest &request) {
                  return Site::respond(options, *quirks, request);
              },
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

int Site::quirkRequests(const QByteArray &path) const
{
    return m_quirks->requests(path);
}

namespace {

// The downloads area (see the class documentation): the listing, and file `n` (`moved`: under
// /files/moved/, where a redirect sends it).
HttpResponse filesListing(const SiteOptions &options, const HttpRequest &request)
{
    const QByteArray host = hostOf(request);
    const QByteArray port = portOf(host);
    HttpResponse response;
    response.contentType = "text/plain; charset=utf-8";
    response.delayMs = options.minDelayMs;
    // As lists are written by hand: a comment, a blank line, CRLF line ends, paths, a line
    // twice, and two lines that are no http(s) URL.
    response.body = "# " + QByteArray::number(options.files) + " files\r\n\r\n";
    for (int n = 1; n <= options.files; ++n) {
        const QByteArray name = QByteArray::number(n) + ".bin";
        if (n % 2 == 0)
            response.body +=
                    "http://localhost" + (port.isEmpty() ? "" : ':' + port) + "/files/" + name;
        else if (n % 4 == 1)
            response.body += name; // relative to the list
        else
            response.body += "/files/" + name;
        response.body += n % 3 ? "\n" : "\r\n";
    }
    response.body += "http://" + host + "/files/1.bin\nftp://" + host + "/files/2.bin\nnot a URL\n";
    return response;
}

HttpResponse fileResponse(const SiteOptions &options, QuirkState &state, const QByteArray &path,
                          int n, bool moved)
{
    HttpResponse response;
    response.contentType = "application/octet-stream";
    response.delayMs = options.minDelayMs;
    response.body = QByteArray((16 + n * 37 % 200) * 1024, char('a' + n % 26));
    if (moved)
        return response;
    if (n % 6 == 0) {
        response.trickleMs = 200;
    } else if (n % 9 == 4 && state.count(path) == 1) {
        response.status = 503;
        response.contentType = "text/plain";
        response.body = "busy: try again";
    } else if (n % 10 == 7) {
        return errorResponse(404, "Not Found", options.minDelayMs);
    } else if (n % 11 == 5) {
        response.delivery = HttpResponse::Delivery::CutShort;
    } else if (n % 8 == 3) {
        response.status = 302;
        response.headers.append({ "Location", "/files/moved/" + QByteArray::number(n) + ".bin" });
        response.body.clear();
    }
    return response;
}

HttpResponse files(const SiteOptions &options, QuirkState &state, const HttpRequest &request,
                   const QByteArray &path)
{
    if (path == "/files/")
        return filesListing(options, request);
    const bool moved = path.startsWith("/files/moved/");
    const QByteArray name = path.mid(moved ? 13 : 7);
    bool ok = false;
    const int n = name.endsWith(".bin") ? name.chopped(4).toInt(&ok) : 0;
    if (!ok || n < 1 || n > options.files || QByteArray::number(n) + ".bin" != name)
        return errorResponse(404, "Not Found", options.minDelayMs);
    return fileResponse(options, state, path, n, moved);
}

} // namespace

HttpResponse Site::respond(const SiteOptions &options, QuirkState &state,
                           const HttpRequest &request)
{
    const qsizetype query = request.path.indexOf('?');
    const QByteArray path = query < 0 ? request.path : request.path.left(query);
    if (path == "/" || path == "/index.html")
        return indexPage(options);
    if (options.quirks && (path == "/quirks" || path.startsWith("/quirks/"))) {
        const QByteArray queryText = query < 0 ? QByteArray() : request.path.mid(query + 1);
        return quirk(options, state, request, path, query < 0 ? nullptr : &queryText);
    }
    if (options.files > 0 && path.startsWith("/files/"))
        return files(options, state, request, path);
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

int SiteThread::quirkRequests(const QByteArray &path) const
{
    return m_site ? m_site->quirkRequests(path) : 0;
}

} // namespace LocalSite
