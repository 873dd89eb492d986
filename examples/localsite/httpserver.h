// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef LOCALSITE_HTTPSERVER_H
#define LOCALSITE_HTTPSERVER_H

#include <QtCore/QByteArray>
#include <QtCore/QHash>
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
};

struct HttpResponse
{
    int status = 200;
    QByteArray contentType = "text/html; charset=utf-8";
    QByteArray body;
    int delayMs = 0; // answer after this many ms, timed by a QTimer, never a sleep
};

class HttpServer : public QObject
{
    Q_OBJECT

public:
    using Handler = std::function<HttpResponse(const HttpRequest &)>;

    explicit HttpServer(Handler handler, QObject *parent = nullptr);
    ~HttpServer() override;

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
    void rejectMalformed(Connection *connection, int status);
    void dropConnection(Connection *connection);

    Handler m_handler;
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
