// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// A small HTTP/1.1 server on the loopback interface, for the examples, tests and benchmarks: each
// answer may come after a delay (a QTimer, never a sleep), and the server counts requests in
// flight and requests whose client closed the connection before the answer (an aborted request).
//
// Why not QtHttpServer (qt6-httpserver-dev), measured on 2026-11-30 with Qt 6.4.2 and checked
// against Qt 6.8.2's headers:
// - Delayed answers it can do: a route that takes a QHttpServerResponder&& and keeps it answers
//   60 requests of 50 ms over QNetworkAccessManager's 6 connections in 542-548 ms, like this
//   server (532-546 ms). (A route that returns a QFuture from QtConcurrent::run holds a pool
//   thread per pending answer: 1557-1562 ms with the global pool's 2 threads.)
// - Aborted requests it cannot show on both versions. The tests check that canceling a task
//   reaches the server as a closed connection (abortedCount(), requestAborted()). QtHttpServer's
//   public API has no signal for a client that goes away before the answer; only a
//   QAbstractHttpServer subclass sees the connection, and handleRequest() takes a QTcpSocket* in
//   Qt 6.4 but a QHttpServerResponder& (no socket) in Qt 6.8.

#ifndef LOCALSITE_HTTPSERVER_H
#define LOCALSITE_HTTPSERVER_H

#include <QtCore/QByteArray>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QObject>
#include <QtCore/QUrl>

#include <atomic>
#include <functional>

QT_BEGIN_NAMESPACE
class QTcpServer;
class QTcpSocket;
QT_END_NAMESPACE

namespace LocalSite {

struct HttpRequest
{
    QByteArray method;
    QByteArray path;                       // path plus query, as sent
    QHash<QByteArray, QByteArray> headers; // lower-cased names
    QByteArray body;
};

struct HttpResponse
{
    int status = 200;
    QByteArray contentType = "text/html; charset=utf-8";
    QByteArray body;
    int delayMs = 0; // answer after this many ms, timed by a QTimer, never a sleep
    QList<QPair<QByteArray, QByteArray>> headers; // more header lines (Location, Retry-After, ...)
    // How the answer leaves: whole; not at all (the connection is closed instead, as a server
    // that went away); or cut short (the head promises the whole body, half of it is sent, and
    // the connection is closed).
    enum class Delivery { Whole, Drop, CutShort };
    Delivery delivery = Delivery::Whole;
    // Whole, and > 0: the body leaves in ten parts, one every trickleMs (a slow download, whose
    // client sees its progress). The request stays in flight until the last part.
    int trickleMs = 0;
};

class HttpServer : public QObject
{
    Q_OBJECT

public:
    using Handler = std::function<HttpResponse(const HttpRequest &)>;

    explicit HttpServer(Handler handler, QObject *parent = nullptr);
    ~HttpServer() override;

    // The methods passed to the handler; any other is answered with 405. GET and HEAD unless
    // set otherwise.
    void setMethods(const QList<QByteArray> &methods);

    bool listen(quint16 port = 0);
    quint16 port() const;
    QUrl url() const;

    int inFlight() const;
    int maxInFlight() const;
    void resetMaxInFlight();
    int requestCount() const;
    int abortedCount() const;

Q_SIGNALS:
    void requestStarted(const QByteArray &path);
    void requestFinished(const QByteArray &path, int status);
    void requestAborted(const QByteArray &path);

private:
    class Connection;

    void acceptConnections();
    void readRequests(Connection *connection);
    void startRequest(Connection *connection, const HttpRequest &request);
    void answer(Connection *connection);
    // A trickled answer: the next part of its body (the last one ends the request).
    void writePart(Connection *connection);
    void endAnswer(Connection *connection, bool keepAlive, int status);
    void rejectMalformed(Connection *connection, int status);
    void dropConnection(Connection *connection);

    Handler m_handler;
    QList<QByteArray> m_methods { "GET", "HEAD" };
    QTcpServer *m_server;
    std::atomic<quint16> m_port { 0 };
    std::atomic<int> m_inFlight { 0 };
    std::atomic<int> m_maxInFlight { 0 };
    std::atomic<int> m_requestCount { 0 };
    std::atomic<int> m_abortedCount { 0 };

    Q_DISABLE_COPY(HttpServer)
};

} // namespace LocalSite

#endif // LOCALSITE_HTTPSERVER_H
