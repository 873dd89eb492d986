// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "httpserver.h"

#include <QtCore/QList>
#include <QtCore/QPointer>
#include <QtCore/QTimer>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <algorithm>
#include <exception>
#include <utility>

namespace LocalSite {

/*!
    \class LocalSite::HttpServer
    \brief A small HTTP/1.1 server on the loopback interface, for examples and tests.

    Each parsed request goes to the handler, whose HttpResponse is written after its delayMs
    (timed by a QTimer, so the server's thread keeps serving other connections meanwhile). It
    speaks just enough HTTP/1.1 for QNetworkAccessManager and curl: GET and HEAD, persistent
    connections with any number of sequential (or pipelined) requests, requests split over several
    reads, a Content-Length on every answer. A malformed request gets 400 and the connection is
    closed. A client that closes its connection while its answer is still due makes the request
    count as aborted (requestAborted()).

    The server works in the thread it lives in. The counters are atomic, so any thread may read
    them.
*/

namespace {

// A request head larger than this is refused with 431; a body larger than this with 413.
constexpr qsizetype MaxHeadBytes = 64 * 1024;
constexpr qsizetype MaxBodyBytes = 1024 * 1024;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 410:
        return "Gone";
    case 413:
        return "Content Too Large";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    }
    switch (status / 100) {
    case 1:
        return "Informational";
    case 2:
        return "Success";
    case 3:
        return "Redirection";
    case 4:
        return "Client Error";
    default:
        return "Server Error";
    }
}

// RFC 9110 5.6.2: the characters of a method or a header name.
bool isToken(const QByteArray &text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        const bool alnum =
                (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !QByteArray("!#$%&'*+-.^_`|~").contains(c))
            return false;
    }
    return true;
}

bool isVisible(const QByteArray &text)
{
    for (const char c : text) {
        if (c <= ' ' || c == 127)
            return false;
    }
    return true;
}

struct ParsedRequest
{
    // Complete: `request` is valid and `consumed` bytes of the buffer are its. Any other status
    // is what to answer before closing the connection (0: wait for more bytes).
    enum Outcome { NeedMore, Complete, Refused };

    Outcome outcome = NeedMore;
    int refusal = 0;
    HttpRequest request;
    qsizetype consumed = 0;
    bool keepAlive = true;
};

ParsedRequest refuse(int status)
{
    ParsedRequest parsed;
    parsed.outcome = ParsedRequest::Refused;
    parsed.refusal = status;
    return parsed;
}

// Parses the request at the start of `buffer`.
ParsedRequest parseRequest(const QByteArray &buffer)
{
    ParsedRequest parsed;
    // RFC 9112 2.2: empty lines before a request line are ignored.
    qsizetype start = 0;
    while (buffer.size() - start >= 2 && buffer[start] == '\r' && buffer[start + 1] == '\n')
        start += 2;

    // The request line is checked as soon as it is there, so that garbage is refused at once
    // instead of waiting for a blank line that may never come.
    const qsizetype lineEnd = buffer.indexOf("\r\n", start);
    if (lineEnd < 0)
        return buffer.size() - start > MaxHeadBytes ? refuse(431) : parsed;
    const QList<QByteArray> parts = buffer.mid(start, lineEnd - start).split(' ');
    if (parts.size() != 3 || !isToken(parts[0]) || !parts[1].startsWith('/')
        || !isVisible(parts[1])) {
        return refuse(400);
    }
    const QByteArray &version = parts[2];
    if (version.size() != 8 || !version.startsWith("HTTP/") || version[6] != '.' || version[5] < '0'
        || version[5] > '9' || version[7] < '0' || version[7] > '9') {
        return refuse(400);
    }
    if (version[5] != '1')
        return refuse(505);

    const qsizetype headEnd = buffer.indexOf("\r\n\r\n", lineEnd);
    if (headEnd < 0)
        return buffer.size() - start > MaxHeadBytes ? refuse(431) : parsed;
    if (headEnd - start > MaxHeadBytes)
        return refuse(431);

    HttpRequest &request = parsed.request;
    request.method = parts[0];
    request.path = parts[1];
    if (headEnd > lineEnd) {
        const QList<QByteArray> lines = buffer.mid(lineEnd + 2, headEnd - lineEnd - 2).split('\n');
        for (const QByteArray &rawLine : lines) {
            const QByteArray line = rawLine.endsWith('\r') ? rawLine.chopped(1) : rawLine;
            const qsizetype colon = line.indexOf(':');
            const QByteArray name = line.left(colon).toLower();
            if (colon <= 0 || !isToken(name))
                return refuse(400);
            const QByteArray value = line.mid(colon + 1).trimmed();
            auto it = request.headers.find(name);
            if (it == request.headers.end())
                request.headers.insert(name, value);
            else
                *it += ", " + value;
        }
    }

    // No chunked request bodies: nothing here sends any.
    if (request.headers.contains("transfer-encoding"))
        return refuse(501);
    qsizetype bodyBytes = 0;
    if (request.headers.contains("content-length")) {
        bool ok = false;
        bodyBytes = request.headers.value("content-length").toLongLong(&ok);
        if (!ok || bodyBytes < 0)
            return refuse(400);
        if (bodyBytes > MaxBodyBytes)
            return refuse(413);
    }
    if (buffer.size() < headEnd + 4 + bodyBytes)
        return parsed;

    const QByteArray connection = request.headers.value("connection").toLower();
    parsed.keepAlive = version == "HTTP/1.1" ? !connection.contains("close")
                                             : connection.contains("keep-alive");
    request.body = buffer.mid(headEnd + 4, bodyBytes);
    parsed.consumed = headEnd + 4 + bodyBytes;
    parsed.outcome = ParsedRequest::Complete;
    return parsed;
}

QByteArray errorPage(int status)
{
    const QByteArray title = QByteArray::number(status) + ' ' + reasonPhrase(status);
    return "<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body><h1>" + title
            + "</h1></body></html>\n";
}

} // namespace

// One client connection; a child of its socket, so both go together. A request is answered
// before the next one on the same connection is parsed: answers leave in request order.
class HttpServer::Connection : public QObject
{
public:
    explicit Connection(QTcpSocket *tcpSocket) : QObject(tcpSocket), socket(tcpSocket)
    {
        timer->setSingleShot(true);
        timer->setTimerType(Qt::PreciseTimer);
    }

    QTcpSocket *const socket;
    QTimer *const timer = new QTimer(this);
    // A trickled answer: what is left of its body, the size of a part, and how it ends.
    QTimer *const partTimer = new QTimer(this);
    QByteArray rest;
    qsizetype partSize = 0;
    bool keepAliveAfter = false;
    int status = 0;
    QByteArray buffer;
    // The request parsed and not answered yet (busy), and its answer.
    bool busy = false;
    bool keepAlive = true;
    QByteArray method;
    QByteArray path;
    HttpResponse response;
    // No more requests are read: the connection is closing, or has closed.
    bool closing = false;
};

HttpServer::HttpServer(Handler handler, QObject *parent)
    : QObject(parent), m_handler(std::move(handler)), m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &HttpServer::acceptConnections);
}

HttpServer::~HttpServer()
{
    // The sockets go with m_server. A socket that is still connected emits disconnected() from
    // its destructor, which must not reach this half-destroyed server.
    const QList<QTcpSocket *> sockets =
            m_server->findChildren<QTcpSocket *>(Qt::FindDirectChildrenOnly);
    for (QTcpSocket *socket : sockets)
        socket->disconnect();
    delete m_server;
}

bool HttpServer::listen(quint16 port)
{
    if (!m_server->listen(QHostAddress::LocalHost, port))
        return false;
    m_port = m_server->serverPort();
    return true;
}

quint16 HttpServer::port() const
{
    return m_port;
}

QUrl HttpServer::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port()));
}

int HttpServer::inFlight() const
{
    return m_inFlight;
}

int HttpServer::maxInFlight() const
{
    return m_maxInFlight;
}

void HttpServer::resetMaxInFlight()
{
    m_maxInFlight = m_inFlight.load();
}

int HttpServer::requestCount() const
{
    return m_requestCount;
}

int HttpServer::abortedCount() const
{
    return m_abortedCount;
}

void HttpServer::acceptConnections()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        // Answers go out at once, not after the peer's delayed ACK (Nagle's algorithm).
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        auto *connection = new Connection(socket);
        connect(socket, &QTcpSocket::readyRead, connection,
                [this, connection] { readRequests(connection); });
        // A peer that closes (or resets) the connection ends it, whichever signal comes first.
        connect(socket, &QTcpSocket::disconnected, connection,
                [this, connection] { dropConnection(connection); });
        connect(socket, &QTcpSocket::errorOccurred, connection,
                [this, connection] { dropConnection(connection); });
        connect(connection->timer, &QTimer::timeout, connection, [this, connection] {
            const QPointer<Connection> alive(connection);
            answer(connection);
            if (alive)
                readRequests(connection);
        });
        connect(connection->partTimer, &QTimer::timeout, connection, [this, connection] {
            const QPointer<Connection> alive(connection);
            writePart(connection);
            if (alive)
                readRequests(connection);
        });
        // Bytes may have come with the connection already.
        readRequests(connection);
    }
}

void HttpServer::readRequests(Connection *connection)
{
    if (connection->closing) {
        connection->socket->readAll();
        return;
    }
    connection->buffer += connection->socket->readAll();
    // The signals this emits run other code, which might even spin an event loop that deletes the
    // connection.
    const QPointer<Connection> alive(connection);
    while (!connection->busy && !connection->closing && !connection->buffer.isEmpty()) {
        const ParsedRequest parsed = parseRequest(connection->buffer);
        switch (parsed.outcome) {
        case ParsedRequest::NeedMore:
            return;
        case ParsedRequest::Refused:
            rejectMalformed(connection, parsed.refusal);
            return;
        case ParsedRequest::Complete:
            connection->buffer.remove(0, parsed.consumed);
            connection->keepAlive = parsed.keepAlive;
            startRequest(connection, parsed.request);
            if (!alive)
                return;
            break;
        }
    }
}

void HttpServer::startRequest(Connection *connection, const HttpRequest &request)
{
    ++m_requestCount;
    const int now = ++m_inFlight;
    int highest = m_maxInFlight;
    while (now > highest && !m_maxInFlight.compare_exchange_weak(highest, now)) { }

    connection->busy = true;
    connection->method = request.method;
    connection->path = request.path;
    const QPointer<Connection> alive(connection);
    Q_EMIT requestStarted(request.path);

    HttpResponse response;
    if (m_methods.contains(request.method)) {
        try {
            response = m_handler(request);
        } catch (const std::exception &) {
            // A handler that throws is the server's own failure.
            response = HttpResponse();
            response.status = 500;
            response.body = errorPage(500);
        }
        if (response.status < 100 || response.status > 599) {
            response = HttpResponse();
            response.status = 500;
            response.body = errorPage(500);
        }
    } else {
        response.status = 405;
        response.body = errorPage(405);
    }
    // The client may have gone meanwhile, if a slot or the handler spun an event loop.
    if (!alive || !connection->busy)
        return;
    connection->response = response;
    if (response.delayMs > 0)
        connection->timer->start(response.delayMs);
    else
        answer(connection);
}

void HttpServer::answer(Connection *connection)
{
    if (!connection->busy)
        return;
    const HttpResponse response = std::exchange(connection->response, HttpResponse());
    QByteArray head = "HTTP/1.1 " + QByteArray::number(response.status) + ' '
            + reasonPhrase(response.status) + "\r\nServer: LocalSite\r\n";
    if (!response.contentType.isEmpty())
        head += "Content-Type: " + response.contentType + "\r\n";
    head += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\n";
    if (response.status == 405)
        head += "Allow: " + m_methods.join(", ") + "\r\n";
    for (const auto &[name, value] : response.headers)
        head += name + ": " + value + "\r\n";
    const bool whole = response.delivery == HttpResponse::Delivery::Whole;
    const bool keepAlive = connection->keepAlive && whole;
    head += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    if (response.delivery != HttpResponse::Delivery::Drop)
        connection->socket->write(head);
    if (connection->method != "HEAD" && whole && response.trickleMs > 0
        && !response.body.isEmpty()) {
        // Stays busy (in flight) until the last part is written.
        connection->rest = response.body;
        connection->partSize = (response.body.size() + 9) / 10;
        connection->keepAliveAfter = keepAlive;
        connection->status = response.status;
        connection->partTimer->start(response.trickleMs);
        writePart(connection);
        return;
    }
    if (connection->method != "HEAD" && whole)
        connection->socket->write(response.body);
    else if (connection->method != "HEAD" && response.delivery == HttpResponse::Delivery::CutShort)
        connection->socket->write(response.body.left(response.body.size() / 2));
    endAnswer(connection, keepAlive, response.status);
}

void HttpServer::writePart(Connection *connection)
{
    if (!connection->busy || connection->rest.isEmpty())
        return;
    connection->socket->write(connection->rest.left(connection->partSize));
    connection->rest.remove(0, std::min(connection->partSize, connection->rest.size()));
    if (connection->rest.isEmpty()) {
        connection->partTimer->stop();
        endAnswer(connection, connection->keepAliveAfter, connection->status);
    }
}

void HttpServer::endAnswer(Connection *connection, bool keepAlive, int status)
{
    connection->busy = false;
    --m_inFlight;
    const QByteArray path = std::exchange(connection->path, QByteArray());
    if (!keepAlive) {
        connection->closing = true;
        // Once the answer is written; may emit disconnected() right here.
        connection->socket->disconnectFromHost();
    }
    Q_EMIT requestFinished(path, status);
}

void HttpServer::setMethods(const QList<QByteArray> &methods)
{
    m_methods = methods;
}

void HttpServer::rejectMalformed(Connection *connection, int status)
{
    const QByteArray body = errorPage(status);
    connection->socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
                              + "\r\nServer: LocalSite\r\nContent-Type: text/html; "
                                "charset=utf-8\r\nContent-Length: "
                              + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n"
                              + body);
    connection->closing = true;
    connection->buffer.clear();
    connection->socket->disconnectFromHost();
}

void HttpServer::dropConnection(Connection *connection)
{
    if (connection->busy) {
        connection->busy = false;
        connection->timer->stop();
        connection->partTimer->stop();
        ++m_abortedCount;
        --m_inFlight;
        Q_EMIT requestAborted(std::exchange(connection->path, QByteArray()));
    }
    connection->closing = true;
    // After an error the socket may still be open; abort() may emit disconnected() (here again).
    if (connection->socket->state() != QAbstractSocket::UnconnectedState)
        connection->socket->abort();
    connection->socket->deleteLater();
}

} // namespace LocalSite
