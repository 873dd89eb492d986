// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Runs the tst_*.qml files of this folder against the QML module in the build tree, with a local
// HTTP server for Http.get(): testServerUrl (no trailing slash) and testServer (its counters).

#include "httpserver.h"

#include <QtCore/qhash.h>
#include <QtCore/qobject.h>
#include <QtQml/qqmlcontext.h>
#include <QtQml/qqmlengine.h>
#include <QtQuickTest/quicktest.h>

#include <memory>

namespace {

// /hello: a UTF-8 text. /echo/<text>?delay=<ms>: <text>, after <ms>. /slow: answers after a
// minute (for cancel tests). /redirect/<path>: 302 to /<path>. /status/<n>: that status.
// /flaky/<key>: 503 the first two times for each key, then 200. /method: the method and body it
// got. Anything else: 404.
LocalSite::HttpResponse respond(const LocalSite::HttpRequest &request)
{
    static QHash<QByteArray, int> flakyCalls; // the server's thread only
    LocalSite::HttpResponse response;
    response.contentType = "text/plain; charset=utf-8";
    const qsizetype question = request.path.indexOf('?');
    const QByteArray path = question < 0 ? request.path : request.path.left(question);
    const QByteArray query = question < 0 ? QByteArray() : request.path.mid(question + 1);
    if (path.startsWith("/redirect/")) {
        response.status = 302;
        response.headers.append({ "Location", path.mid(9) });
    } else if (path.startsWith("/status/")) {
        response.status = path.mid(8).toInt();
        response.body = "status " + path.mid(8);
        response.headers.append({ "X-Status", path.mid(8) });
    } else if (path.startsWith("/flaky/")) {
        const bool fails = ++flakyCalls[path] <= 2;
        response.status = fails ? 503 : 200;
        response.body = fails ? "try again" : "recovered";
    } else if (path == "/method") {
        response.body = request.method + ' ' + request.body;
    } else if (path == "/hello") {
        response.body = QStringLiteral("h\u00e9llo w\u00f6rld \u2713").toUtf8();
    } else if (path.startsWith("/echo/")) {
        response.body = path.mid(6);
        if (query.startsWith("delay="))
            response.delayMs = query.mid(6).toInt();
    } else if (path == "/slow") {
        response.body = "finally";
        response.delayMs = 60000;
    } else {
        response.status = 404;
        response.body = "not found";
    }
    return response;
}

} // namespace

class TestServer : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString url READ url CONSTANT)
    Q_PROPERTY(int requestCount READ requestCount NOTIFY countsChanged)
    Q_PROPERTY(int abortedCount READ abortedCount NOTIFY countsChanged)
    Q_PROPERTY(int inFlight READ inFlight NOTIFY countsChanged)
    Q_PROPERTY(int maxInFlight READ maxInFlight NOTIFY countsChanged)

public:
    TestServer() : m_server(respond)
    {
        m_server.setMethods({ "GET", "HEAD", "POST" });
        const bool listening = m_server.listen();
        Q_ASSERT(listening);
        Q_UNUSED(listening);
        connect(&m_server, &LocalSite::HttpServer::requestStarted, this,
                &TestServer::countsChanged);
        connect(&m_server, &LocalSite::HttpServer::requestFinished, this,
                &TestServer::countsChanged);
        connect(&m_server, &LocalSite::HttpServer::requestAborted, this,
                &TestServer::countsChanged);
    }

    // "http://127.0.0.1:<port>", no path: the tests append "/hello". (StripTrailingSlash keeps
    // the "/" of a root path, and Qt 6.8 sends the "//hello" that makes as it is, where Qt 6.4
    // collapsed it to "/hello" on the wire.)
    QString url() const { return m_server.url().adjusted(QUrl::RemovePath).toString(); }
    int requestCount() const { return m_server.requestCount(); }
    int abortedCount() const { return m_server.abortedCount(); }
    int inFlight() const { return m_server.inFlight(); }
    int maxInFlight() const { return m_server.maxInFlight(); }
    Q_INVOKABLE void resetMaxInFlight() { m_server.resetMaxInFlight(); }

Q_SIGNALS:
    void countsChanged();

private:
    LocalSite::HttpServer m_server;
};

class Setup : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    // Called once the application exists: the server's sockets need it.
    void applicationAvailable() { m_server = std::make_unique<TestServer>(); }

    void qmlEngineAvailable(QQmlEngine *engine)
    {
        engine->addImportPath(QStringLiteral(AIOUTILS_QML_IMPORT_PATH));
        engine->rootContext()->setContextProperty(QStringLiteral("testServer"), m_server.get());
        engine->rootContext()->setContextProperty(QStringLiteral("testServerUrl"), m_server->url());
    }

    void cleanupTestCase() { m_server.reset(); }

private:
    std::unique_ptr<TestServer> m_server;
};

QUICK_TEST_MAIN_WITH_SETUP(qml, Setup)

#include "tst_qml.moc"
