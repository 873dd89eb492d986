// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// request(): whole answers, redirects, retries (Retry-After in seconds and as a date, 503,
// dropped and cut-short connections, timeouts), what is never retried, a cancel during the
// backoff, the slot a backoff gives back, progress, methods and bodies. Against the real local
// server, which logs what it was asked and when.

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/Network>
#include <AioUtils/NetworkError>
#include <AioUtils/Pool>
#include <AioUtils/Response>

#include "httpserver.h"
#include "testutil.h"

#include <QtCore/qdatetime.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qfuturewatcher.h>
#include <QtCore/qlocale.h>
#include <QtCore/qpointer.h>
#include <QtCore/qtimezone.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkreply.h>
#include <QtNetwork/qnetworkrequest.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>

using namespace AioUtils;
using namespace TestUtil;
using LocalSite::HttpRequest;
using LocalSite::HttpResponse;
using LocalSite::HttpServer;

namespace {

HttpResponse answer(int status, QByteArray body = "ok",
                    QList<QPair<QByteArray, QByteArray>> headers = {})
{
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    return response;
}

HttpResponse delivered(HttpResponse::Delivery delivery)
{
    HttpResponse response = answer(200, QByteArray(4096, 'x'));
    response.delivery = delivery;
    return response;
}

// An HTTP date (IMF-fixdate) `ms` from now.
QByteArray httpDateIn(qint64 ms)
{
    return QLocale::c()
            .toString(QDateTime::currentDateTimeUtc().addMSecs(ms),
                      QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"))
            .toLatin1();
}

// A server with a script: each path answers with its queued answers in turn (the last one
// again once the queue is down to it), and every request is logged with when it came.
class ScriptedServer
{
public:
    struct Logged
    {
        QByteArray method;
        QByteArray path;
        QByteArray body;
        qint64 atMs;
    };

    ScriptedServer() : m_server([this](const HttpRequest &request) { return respond(request); })
    {
        m_clock.start();
        m_server.setMethods({ "GET", "HEAD", "POST", "PUT" });
    }
    bool listen() { return m_server.listen(); }
    HttpServer &server() { return m_server; }
    QUrl url(const char *path) const
    {
        return m_server.url().resolved(QUrl(QString::fromLatin1(path)));
    }
    void script(const QByteArray &path, std::deque<HttpResponse> answers)
    {
        m_script[path] = std::move(answers);
    }
    const QList<Logged> &log() const { return m_log; }
    int count(const QByteArray &path) const
    {
        return int(std::count_if(m_log.begin(), m_log.end(),
                                 [&](const Logged &logged) { return logged.path == path; }));
    }
    QList<qint64> times(const QByteArray &path) const
    {
        QList<qint64> at;
        for (const Logged &logged : m_log) {
            if (logged.path == path)
                at << logged.atMs;
        }
        return at;
    }
    qint64 now() const { return m_clock.elapsed(); }

private:
    HttpResponse respond(const HttpRequest &request)
    {
        m_log.append({ request.method, request.path, request.body, m_clock.elapsed() });
        auto it = m_script.find(request.path);
        if (it == m_script.end() || it->second.empty())
            return answer(404, "not here");
        HttpResponse response = it->second.front();
        if (it->second.size() > 1)
            it->second.pop_front();
        return response;
    }

    HttpServer m_server;
    QElapsedTimer m_clock;
    std::map<QByteArray, std::deque<HttpResponse>> m_script;
    QList<Logged> m_log;
};

RequestOptions retrying(int attempts, int initialBackoffMs = 20, int maxBackoffMs = 5000)
{
    RequestOptions options;
    options.retry.maxAttempts = attempts;
    options.retry.initialBackoffMs = initialBackoffMs;
    options.retry.maxBackoffMs = maxBackoffMs;
    return options;
}

// Waits (the event loop running) for `future`, then returns its response or the NetworkError.
struct Outcome
{
    std::optional<Response> response;
    std::optional<NetworkError> error;
    bool canceled = false;
};

Outcome outcomeOf(QFuture<Response> future)
{
    Outcome outcome;
    if (!QTest::qWaitFor([&] { return future.isFinished(); }, Patience))
        return outcome;
    try {
        if (future.isCanceled() && future.resultCount() == 0) {
            future.waitForFinished(); // rethrows a failure (a failed future is canceled too)
            outcome.canceled = true;
        } else {
            outcome.response = future.result();
        }
    } catch (const NetworkError &error) {
        outcome.error = error;
    }
    return outcome;
}

// A task whose own future is a gate the test opens; it starts a request (retried once) that is
// linked to it, but is not its future.
struct GatedTask
{
    GatedTask(Group &group, QNetworkAccessManager *nam, const QUrl &url)
    {
        gate.start();
        group.spawn([this, nam, url] {
            request = AioUtils::request(nam, QNetworkRequest(url), retrying(2));
            return gate.future();
        });
    }
    QPromise<void> gate;
    QFuture<Response> request;
};

} // namespace

class tst_Request : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void wholeAnswer_data();
    void wholeAnswer();
    void textDecodesItsCharset();
    void redirectToDirectory();
    void crossSiteRedirect();
    void notFoundIsNeverRetried_data();
    void notFoundIsNeverRetried();
    void retryAfterSeconds();
    void retryAfterHttpDate();
    void retryAfterIsCapped();
    void unavailableThenOk();
    void droppedConnectionThenOk();
    void cutShortThenOk();
    void cutShortWithoutRetryFails();
    void attemptsRunOut();
    void timeoutAppliesToEachAttempt();
    void backoffGrows();
    void cancelDuringBackoff();
    void groupCancelDuringBackoff();
    void backoffGivesTheSlotBack();
    void restingTaskGoesBeforeQueuedOnes();
    void twoRequestsInOneTaskKeepTheSlot();
    void taskGoesOnWhenItsRequestIsCanceledDuringBackoff();
    void postIsNotRepeatedAfterATimeout();
    void nextRequestStartsAtOnce();
    void requestOutlivesItsTaskDuringBackoff();
    void queuedTaskReturningAThenRests();
    void progress();
    void fetchReportsProgressToo();
    void postWithBody();
    void responseInABag();
    void badInput();
    void fewEventsPerRequest();
    void callableReturnsOneOfTwoRequests_data();
    void callableReturnsOneOfTwoRequests();
    void groupDestroyedWhileItsRequestRuns();
    void managerDestroyedWhileItsRequestRuns();
    void managerDeletedByAContinuation_data();
    void managerDeletedByAContinuation();

private:
    std::unique_ptr<ScriptedServer> m_site;
    std::unique_ptr<QNetworkAccessManager> m_nam;
};

void tst_Request::init()
{
    m_site = std::make_unique<ScriptedServer>();
    QVERIFY(m_site->listen());
    m_nam = std::make_unique<QNetworkAccessManager>();
}

void tst_Request::cleanup()
{
    m_nam.reset();
    m_site.reset();
}

void tst_Request::wholeAnswer_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("200") << 200 << QByteArray("<title>a</title>");
    QTest::newRow("203") << 203 << QByteArray("non-authoritative");
    QTest::newRow("204") << 204 << QByteArray();
    QTest::newRow("201") << 201 << QByteArray("made");
}

void tst_Request::wholeAnswer()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    HttpResponse page = answer(status, body, { { "X-Trace", "abc" }, { "x-trace", "def" } });
    page.contentType = "Text/HTML; charset=utf-8";
    m_site->script("/page", { page });

    const Outcome outcome = outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/page"))));
    QVERIFY(outcome.response);
    const Response &response = *outcome.response;
    QCOMPARE(response.status, status);
    QCOMPARE(response.body, body);
    // It holds about its own size, not readAll()'s buffer (16 kB steps).
    QVERIFY2(response.body.capacity() - response.body.size() <= 1024,
             qPrintable(QStringLiteral("%1 bytes held").arg(response.body.capacity())));
    QCOMPARE(response.url, m_site->url("/page"));
    QCOMPARE(response.contentType, QByteArray("text/html"));
    QCOMPARE(response.header("content-type"), QByteArray("Text/HTML; charset=utf-8"));
    QCOMPARE(response.header("X-TRACE"), QByteArray("abc, def"));
    QCOMPARE(response.header("missing"), QByteArray());
    QCOMPARE(response.headerMap().value(QStringLiteral("x-trace")).toString(),
             QStringLiteral("abc, def"));
    QVERIFY(response.isSuccess());
}

void tst_Request::textDecodesItsCharset()
{
    HttpResponse latin = answer(200, QByteArray("caf\xe9"));
    latin.contentType = "text/plain; charset=\"ISO-8859-1\"";
    HttpResponse utf8 = answer(200, QByteArray("caf\xc3\xa9"));
    utf8.contentType = "text/plain";
    m_site->script("/latin", { latin });
    m_site->script("/utf8", { utf8 });
    const Outcome a = outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/latin"))));
    const Outcome b = outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/utf8"))));
    QVERIFY(a.response && b.response);
    QCOMPARE(a.response->text(), QStringLiteral("caf\u00e9"));
    QCOMPARE(b.response->text(), QStringLiteral("caf\u00e9"));
    QCOMPARE(a.response->contentType, QByteArray("text/plain"));
}

void tst_Request::redirectToDirectory()
{
    // /manual is a directory: the server sends the client to /manual/, and the page's relative
    // links resolve against that.
    m_site->script("/manual", { answer(301, "moved", { { "Location", "/manual/" } }) });
    m_site->script("/manual/", { answer(200, "<a href=\"intro.html\">intro</a>") });
    const Outcome outcome =
            outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/manual"))));
    QVERIFY(outcome.response);
    QCOMPARE(outcome.response->status, 200);
    QCOMPARE(outcome.response->url, m_site->url("/manual/"));
    QCOMPARE(outcome.response->url.resolved(QUrl(QStringLiteral("intro.html"))),
             m_site->url("/manual/intro.html"));
}

void tst_Request::crossSiteRedirect()
{
    ScriptedServer other;
    QVERIFY(other.listen());
    other.script("/landing", { answer(200, "elsewhere") });
    m_site->script("/away",
                   { answer(302, "", { { "Location", other.url("/landing").toEncoded() } }) });
    const Outcome outcome = outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/away"))));
    QVERIFY(outcome.response);
    QCOMPARE(outcome.response->url, other.url("/landing"));
    QCOMPARE(outcome.response->body, QByteArray("elsewhere"));
    QCOMPARE(other.count("/landing"), 1);
}

void tst_Request::notFoundIsNeverRetried_data()
{
    QTest::addColumn<int>("status");
    QTest::newRow("404") << 404;
    QTest::newRow("400") << 400;
    QTest::newRow("403") << 403;
    QTest::newRow("410") << 410;
    QTest::newRow("500") << 500;
}

void tst_Request::notFoundIsNeverRetried()
{
    QFETCH(int, status);
    m_site->script("/gone", { answer(status, "the error page") });
    const Outcome outcome =
            outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/gone")), retrying(4)));
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->httpStatus(), status);
    QCOMPARE(outcome.error->response().status, status);
    QCOMPARE(outcome.error->response().body, QByteArray("the error page"));
    QCOMPARE(outcome.error->response().url, m_site->url("/gone"));
    // The message names the URL (the response is moved into the error: the URL is taken first).
    QCOMPARE(outcome.error->url(), m_site->url("/gone"));
    QVERIFY2(QString::fromUtf8(outcome.error->what())
                     .startsWith(m_site->url("/gone").toDisplayString() + QLatin1String(": HTTP ")),
             outcome.error->what());
    QCOMPARE(m_site->count("/gone"), 1);
}

void tst_Request::retryAfterSeconds()
{
    // The backoff of the policy would be 20 ms; the server asks for a second.
    m_site->script("/busy", { answer(429, "slow down", { { "Retry-After", "1" } }), answer(200) });
    const Outcome outcome =
            outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/busy")), retrying(3)));
    QVERIFY(outcome.response);
    QCOMPARE(outcome.response->status, 200);
    const QList<qint64> at = m_site->times("/busy");
    QCOMPARE(at.size(), 2);
    // A coarse timer may fire up to 5 % early.
    QVERIFY2(at[1] - at[0] >= 940, QByteArray::number(at[1] - at[0]));
}

void tst_Request::retryAfterHttpDate()
{
    // Two seconds from now, to the second: between one and two seconds' wait.
    m_site->script("/busy",
                   { answer(503, "", { { "Retry-After", httpDateIn(2000) } }), answer(200) });
    const Outcome outcome =
            outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/busy")), retrying(2)));
    QVERIFY(outcome.response);
    const QList<qint64> at = m_site->times("/busy");
    QCOMPARE(at.size(), 2);
    QVERIFY2(at[1] - at[0] >= 900, QByteArray::number(at[1] - at[0]));
}

void tst_Request::retryAfterIsCapped()
{
    m_site->script("/busy", { answer(429, "", { { "Retry-After", "3600" } }), answer(200) });
    QElapsedTimer clock;
    clock.start();
    const Outcome outcome = outcomeOf(
            request(m_nam.get(), QNetworkRequest(m_site->url("/busy")), retrying(2, 20, 300)));
    QVERIFY(outcome.response);
    QCOMPARE(m_site->count("/busy"), 2);
    QVERIFY2(clock.elapsed() < 10000, QByteArray::number(clock.elapsed()));
}

void tst_Request::unavailableThenOk()
{
    m_site->script("/flaky", { answer(503), answer(503), answer(200, "finally") });
    const Outcome outcome =
            outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/flaky")), retrying(3)));
    QVERIFY(outcome.response);
    QCOMPARE(outcome.response->body, QByteArray("finally"));
    QCOMPARE(m_site->count("/flaky"), 3);
}

void tst_Request::droppedConnectionThenOk()
{
    // Qt's HTTP code resends a request itself, once, when a reused connection closes before any
    // answer; on a fresh connection it reports the error. Either way the answer comes.
    m_site->script("/drop",
                   { delivered(HttpResponse::Delivery::Drop),
                     delivered(HttpResponse::Delivery::Drop), answer(200, "back") });
    const Outcome outcome =
            outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/drop")), retrying(4)));
    QVERIFY(outcome.response);
    QCOMPARE(outcome.response->body, QByteArray("back"));
    QCOMPARE(m_site->count("/drop"), 3);
}

void tst_Request::cutShortThenOk()
{
    m_site->script("/cut", { delivered(HttpResponse::Delivery::CutShort), answer(200, "whole") });
    const Outcome outcome =
            outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/cut")), retrying(2)));
    QVERIFY(outcome.response);
    QCOMPARE(outcome.response->body, QByteArray("whole"));
    QCOMPARE(m_site->count("/cut"), 2);
}

void tst_Request::cutShortWithoutRetryFails()
{
    // A body cut short is never a success, even with a 200 in its head.
    m_site->script("/cut", { delivered(HttpResponse::Delivery::CutShort) });
    const Outcome outcome = outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/cut"))));
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->error(), QNetworkReply::RemoteHostClosedError);
    QCOMPARE(m_site->count("/cut"), 1);
}

void tst_Request::attemptsRunOut()
{
    m_site->script("/down", { answer(503, "down") });
    const Outcome outcome =
            outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/down")), retrying(3)));
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->httpStatus(), 503);
    QCOMPARE(outcome.error->response().body, QByteArray("down"));
    QVERIFY2(QByteArray(outcome.error->what()).contains("attempt 3 of 3"), outcome.error->what());
    QCOMPARE(m_site->count("/down"), 3);
}

void tst_Request::timeoutAppliesToEachAttempt()
{
    HttpResponse slow = answer(200, "late");
    slow.delayMs = 5000;
    m_site->script("/slow", { slow, answer(200, "quick") });
    RequestOptions options = retrying(2);
    options.timeoutMs = 300;
    QSignalSpy aborted(&m_site->server(), &HttpServer::requestAborted);
    const Outcome outcome =
            outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/slow")), options));
    QVERIFY(outcome.response);
    QCOMPARE(outcome.response->body, QByteArray("quick"));
    QCOMPARE(m_site->count("/slow"), 2);
    QTRY_COMPARE_WITH_TIMEOUT(aborted.size(), 1, Patience);

    // Without a retry, the timeout is the failure, and says so.
    m_site->script("/slow", { slow });
    options.retry.maxAttempts = 1;
    const Outcome failed =
            outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/slow")), options));
    QVERIFY(failed.error);
    QVERIFY2(QByteArray(failed.error->what()).contains("not done within 300 ms"),
             failed.error->what());
    QCOMPARE(failed.error->response().status, 0);
}

void tst_Request::backoffGrows()
{
    // 100, then 200, then 400 ms, each less up to half of it at random.
    m_site->script("/down", { answer(503) });
    const Outcome outcome = outcomeOf(
            request(m_nam.get(), QNetworkRequest(m_site->url("/down")), retrying(4, 100, 10000)));
    QVERIFY(outcome.error);
    const QList<qint64> at = m_site->times("/down");
    QCOMPARE(at.size(), 4);
    const qint64 expected[] = { 100, 200, 400 };
    for (int i = 0; i < 3; ++i) {
        const qint64 waited = at[i + 1] - at[i];
        QVERIFY2(waited >= expected[i] / 2 * 95 / 100,
                 qPrintable(QStringLiteral("wait %1: %2 ms").arg(i).arg(waited)));
    }
}

void tst_Request::cancelDuringBackoff()
{
    m_site->script("/busy", { answer(503, "", { { "Retry-After", "1" } }), answer(200) });
    QSignalSpy finished(&m_site->server(), &HttpServer::requestFinished);
    QFuture<Response> future =
            request(m_nam.get(), QNetworkRequest(m_site->url("/busy")), retrying(3));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, Patience);
    future.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    QVERIFY(future.isCanceled());
    // The retry would have come a second after the first answer: nothing comes.
    QTest::qWait(1500);
    QCOMPARE(m_site->count("/busy"), 1);
}

void tst_Request::groupCancelDuringBackoff()
{
    m_site->script("/busy", { answer(503, "", { { "Retry-After", "1" } }), answer(200) });
    Pool pool(2);
    QSignalSpy finished(&m_site->server(), &HttpServer::requestFinished);
    QFuture<Response> future =
            pool.spawn(request, m_nam.get(), QNetworkRequest(m_site->url("/busy")), retrying(3));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, Patience);
    // Resting: neither running nor done.
    QTRY_COMPARE_WITH_TIMEOUT(pool.runningCount(), 0, Patience);
    QCOMPARE(pool.queuedCount(), 1);
    QVERIFY(!pool.isIdle());
    pool.cancel();
    QVERIFY(pool.isIdle());
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    QVERIFY(future.isCanceled());
    QTest::qWait(1500);
    QCOMPARE(m_site->count("/busy"), 1);
    QVERIFY(pool.join(QDeadlineTimer(0)));
}

void tst_Request::backoffGivesTheSlotBack()
{
    // Pool(1): the first request waits a second for its retry; the second one runs meanwhile
    // in the slot the first gave back, instead of after it.
    m_site->script("/busy", { answer(503, "", { { "Retry-After", "1" } }), answer(200, "a") });
    m_site->script("/quick", { answer(200, "b") });
    Pool pool(1);
    QFuture<Response> busy =
            pool.spawn(request, m_nam.get(), QNetworkRequest(m_site->url("/busy")), retrying(2));
    QFuture<Response> quick = pool.spawn(request, m_nam.get(),
                                         QNetworkRequest(m_site->url("/quick")), RequestOptions());
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(busy.result().body, QByteArray("a"));
    QCOMPARE(quick.result().body, QByteArray("b"));
    const QList<qint64> busyAt = m_site->times("/busy");
    const QList<qint64> quickAt = m_site->times("/quick");
    QCOMPARE(busyAt.size(), 2);
    QCOMPARE(quickAt.size(), 1);
    QVERIFY2(quickAt[0] < busyAt[1] - 500,
             qPrintable(QStringLiteral("quick at %1 ms, busy at %2 and %3 ms")
                                .arg(quickAt[0])
                                .arg(busyAt[0])
                                .arg(busyAt[1])));
    QCOMPARE(pool.finishedCount(), 2);
    QCOMPARE(pool.failedCount(), 0);
}

void tst_Request::restingTaskGoesBeforeQueuedOnes()
{
    // Pool(1): A rests 300 ms while B (600 ms) runs; when A's wait is over it waits for the
    // slot, and takes it before C, which was queued all along.
    m_site->script("/a", { answer(503), answer(200, "a") });
    HttpResponse slow = answer(200, "b");
    slow.delayMs = 600;
    m_site->script("/b", { slow });
    m_site->script("/c", { answer(200, "c") });
    Pool pool(1);
    const RequestOptions options = retrying(2, 300, 300);
    pool.spawn(request, m_nam.get(), QNetworkRequest(m_site->url("/a")), options);
    pool.spawn(request, m_nam.get(), QNetworkRequest(m_site->url("/b")), RequestOptions());
    pool.spawn(request, m_nam.get(), QNetworkRequest(m_site->url("/c")), RequestOptions());
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QByteArrayList order;
    for (const ScriptedServer::Logged &logged : m_site->log())
        order << logged.path;
    QCOMPARE(order, QByteArrayList({ "/a", "/b", "/a", "/c" }));
}

void tst_Request::twoRequestsInOneTaskKeepTheSlot()
{
    // The task waits for two requests; one waits out a backoff while the other still runs: the
    // task is busy, and keeps its slot.
    m_site->script("/busy", { answer(503, "", { { "Retry-After", "1" } }), answer(200, "a") });
    HttpResponse slow = answer(200, "b");
    slow.delayMs = 1500;
    m_site->script("/slow", { slow });
    m_site->script("/quick", { answer(200, "c") });
    Pool pool(1);
    pool.spawn([&] {
        QList<QFuture<Response>> both = {
            request(m_nam.get(), QNetworkRequest(m_site->url("/busy")), retrying(2)),
            request(m_nam.get(), QNetworkRequest(m_site->url("/slow")))
        };
        return QtFuture::whenAll(both.begin(), both.end()).then([](const auto &) {});
    });
    pool.spawn(request, m_nam.get(), QNetworkRequest(m_site->url("/quick")), RequestOptions());
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    const QList<qint64> quickAt = m_site->times("/quick");
    const QList<qint64> busyAt = m_site->times("/busy");
    QCOMPARE(quickAt.size(), 1);
    QCOMPARE(busyAt.size(), 2);
    // After the first task ended: after /slow's 1.5 s and /busy's second answer.
    QVERIFY2(quickAt[0] >= busyAt[1],
             qPrintable(QStringLiteral("quick at %1, busy at %2, %3")
                                .arg(quickAt[0])
                                .arg(busyAt[0])
                                .arg(busyAt[1])));
}

void tst_Request::taskGoesOnWhenItsRequestIsCanceledDuringBackoff()
{
    // The task's own future is another one: canceling the request during its backoff ends the
    // rest, and the task, still running, holds its slot again.
    m_site->script("/busy", { answer(503, "", { { "Retry-After", "5" } }), answer(200) });
    Pool pool(1);
    GatedTask task(pool, m_nam.get(), m_site->url("/busy"));
    QTRY_COMPARE_WITH_TIMEOUT(m_site->count("/busy"), 1, Patience);
    QTRY_COMPARE_WITH_TIMEOUT(pool.runningCount(), 0, Patience); // resting
    QCOMPARE(pool.queuedCount(), 1);
    QFuture<Response> &linked = task.request;
    QPromise<void> &gate = task.gate;
    linked.cancel();
    QTRY_COMPARE_WITH_TIMEOUT(pool.runningCount(), 1, Patience);
    QCOMPARE(pool.queuedCount(), 0);
    QVERIFY(!pool.isIdle());
    gate.finish();
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(m_site->count("/busy"), 1);
    QCOMPARE(pool.finishedCount(), 1);
}

void tst_Request::postIsNotRepeatedAfterATimeout()
{
    // The server may have acted on a POST that timed out: it is not sent again. A 503 says it
    // did not, and is retried.
    HttpResponse slow = answer(200, "late");
    slow.delayMs = 3000;
    m_site->script("/order", { slow });
    RequestOptions options = retrying(3);
    options.body = "item=1";
    options.timeoutMs = 200;
    const Outcome timedOut =
            outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/order")), options));
    QVERIFY(timedOut.error);
    QCOMPARE(m_site->count("/order"), 1);

    m_site->script("/later", { answer(503), answer(201, "made") });
    const Outcome retried =
            outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/later")), options));
    QVERIFY(retried.response);
    QCOMPARE(retried.response->status, 201);
    QCOMPARE(m_site->count("/later"), 2);
}

// Records each request as the manager creates it, and whether the one before it still existed
// then (its reply is deleted by a posted event once it finished).
class RecordingManager : public QNetworkAccessManager
{
public:
    QList<bool> previousAlive;

protected:
    QNetworkReply *createRequest(Operation op, const QNetworkRequest &request,
                                 QIODevice *data) override
    {
        previousAlive.append(!m_previous.isNull());
        QNetworkReply *reply = QNetworkAccessManager::createRequest(op, request, data);
        m_previous = reply;
        return reply;
    }

private:
    QPointer<QNetworkReply> m_previous;
};

void tst_Request::nextRequestStartsAtOnce()
{
    // Pool(1): the request that ends hands its slot to the next one right there, not after a
    // round trip through the event loop (when the posted deletion of its reply has run).
    m_site->script("/a", { answer(200, "a") });
    m_site->script("/b", { answer(200, "b") });
    RecordingManager nam;
    Pool pool(1);
    pool.spawn(request, &nam, QNetworkRequest(m_site->url("/a")), RequestOptions());
    pool.spawn(request, &nam, QNetworkRequest(m_site->url("/b")), RequestOptions());
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(nam.previousAlive, QList<bool>({ false, true }));
}

void tst_Request::requestOutlivesItsTaskDuringBackoff()
{
    // The task ends (successfully) while the request it started waits out its backoff: the
    // request goes on without it, and finishes.
    m_site->script("/busy", { answer(503, "", { { "Retry-After", "1" } }), answer(200, "late") });
    Pool pool(1);
    GatedTask task(pool, m_nam.get(), m_site->url("/busy"));
    QTRY_COMPARE_WITH_TIMEOUT(m_site->count("/busy"), 1, Patience);
    QTRY_COMPARE_WITH_TIMEOUT(pool.queuedCount(), 1, Patience); // resting
    task.gate.finish();
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    const Outcome outcome = outcomeOf(task.request);
    QVERIFY(outcome.response);
    QCOMPARE(outcome.response->body, QByteArray("late"));
    QCOMPARE(m_site->count("/busy"), 2);
}

void tst_Request::queuedTaskReturningAThenRests()
{
    // Pool(1), the second task queued: it returns a then() of its request, which waits out a
    // second's backoff; the third task runs meanwhile.
    HttpResponse first = answer(200, "first");
    first.delayMs = 100;
    m_site->script("/first", { first });
    m_site->script("/busy", { answer(503, "", { { "Retry-After", "1" } }), answer(200, "b") });
    m_site->script("/third", { answer(200, "c") });
    Pool pool(1);
    pool.spawn(request, m_nam.get(), QNetworkRequest(m_site->url("/first")), RequestOptions());
    QFuture<QByteArray> second = pool.spawn([&] {
        return request(m_nam.get(), QNetworkRequest(m_site->url("/busy")), retrying(2))
                .then([](const Response &response) { return response.body; });
    });
    pool.spawn(request, m_nam.get(), QNetworkRequest(m_site->url("/third")), RequestOptions());
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(second.result(), QByteArray("b"));
    const QList<qint64> busyAt = m_site->times("/busy");
    const QList<qint64> thirdAt = m_site->times("/third");
    QCOMPARE(busyAt.size(), 2);
    QCOMPARE(thirdAt.size(), 1);
    QVERIFY2(thirdAt[0] < busyAt[1] - 500,
             qPrintable(QStringLiteral("third at %1, busy at %2, %3")
                                .arg(thirdAt[0])
                                .arg(busyAt[0])
                                .arg(busyAt[1])));
}

void tst_Request::progress()
{
    const QByteArray big(256 * 1024, 'p');
    m_site->script("/big", { answer(200, big) });
    QFuture<Response> future = request(m_nam.get(), QNetworkRequest(m_site->url("/big")));
    QFutureWatcher<Response> watcher;
    QList<int> values;
    connect(&watcher, &QFutureWatcherBase::progressValueChanged, this,
            [&](int value) { values << value; });
    watcher.setFuture(future);
    const Outcome outcome = outcomeOf(future);
    QVERIFY(outcome.response);
    QCOMPARE(future.progressMaximum(), big.size());
    QCOMPARE(future.progressValue(), big.size());
    QTRY_VERIFY_WITH_TIMEOUT(!values.isEmpty() && values.last() == big.size(), Patience);
    QVERIFY(std::is_sorted(values.begin(), values.end()));
}

void tst_Request::fetchReportsProgressToo()
{
    const QByteArray big(128 * 1024, 'f');
    m_site->script("/big", { answer(200, big) });
    QFuture<QByteArray> future = fetch(m_nam.get(), QNetworkRequest(m_site->url("/big")));
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    QCOMPARE(future.result().size(), big.size());
    QCOMPARE(future.progressMaximum(), big.size());
    QCOMPARE(future.progressValue(), big.size());
}

void tst_Request::postWithBody()
{
    m_site->script("/form", { answer(201, "made") });
    RequestOptions options;
    options.body = "a=1&b=2";
    QNetworkRequest post(m_site->url("/form"));
    post.setHeader(QNetworkRequest::ContentTypeHeader,
                   QByteArrayLiteral("application/x-www-form-urlencoded"));
    const Outcome outcome = outcomeOf(request(m_nam.get(), post, options));
    QVERIFY(outcome.response);
    QCOMPARE(outcome.response->status, 201);
    options.method = "PUT";
    QVERIFY(outcomeOf(request(m_nam.get(), post, options)).response);
    QCOMPARE(m_site->log().size(), 2);
    QCOMPARE(m_site->log()[0].method, QByteArray("POST"));
    QCOMPARE(m_site->log()[0].body, QByteArray("a=1&b=2"));
    QCOMPARE(m_site->log()[1].method, QByteArray("PUT"));
}

void tst_Request::responseInABag()
{
    m_site->script("/one", { answer(200, "1") });
    m_site->script("/two", { answer(404, "2") });
    Bag bag;
    bag.spawn(request, m_nam.get(), QNetworkRequest(m_site->url("/one")), RequestOptions());
    bag.spawn(request, m_nam.get(), QNetworkRequest(m_site->url("/two")), RequestOptions());
    QVariantList results;
    try {
        for (const QVariant &value : bag.yielding())
            results << value;
        QFAIL("the 404 was not rethrown");
    } catch (const NetworkError &error) {
        QCOMPARE(error.response().status, 404);
    }
    QCOMPARE(results.size(), 1);
    QVERIFY(results[0].canConvert<Response>());
    QCOMPARE(results[0].value<Response>().body, QByteArray("1"));
    QVERIFY(QMetaType::fromType<Response>().isValid());
    QCOMPARE(QMetaType::fromType<Response>().metaObject()->className(), "AioUtils::Response");
}

void tst_Request::badInput()
{
    QTest::ignoreMessage(QtWarningMsg, "AioUtils: request(): the QNetworkAccessManager is null");
    const Outcome outcome = outcomeOf(request(nullptr, QNetworkRequest(m_site->url("/x"))));
    QVERIFY(outcome.error);
    QVERIFY2(QByteArray(outcome.error->what()).contains("is null"), outcome.error->what());

    // Nonsense in the policy is a warning that names it, and means no retry, no wait.
    m_site->script("/down", { answer(503) });
    RequestOptions options = retrying(-3, -10, -20);
    options.timeoutMs = -30;
    QTest::ignoreMessage(
            QtWarningMsg,
            "AioUtils: request(): retry.maxAttempts -3 is below 1; one attempt is made");
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils: request(): retry.initialBackoffMs -10 is negative; it means 0");
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils: request(): retry.maxBackoffMs -20 is negative; it means 0");
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils: request(): timeoutMs -30 is negative; it means 0");
    const Outcome once =
            outcomeOf(request(m_nam.get(), QNetworkRequest(m_site->url("/down")), options));
    QVERIFY(once.error);
    QCOMPARE(m_site->count("/down"), 1);
}

QTEST_MAIN(tst_Request)
void tst_Request::fewEventsPerRequest()
{
    // A request whose task's callable returns its future ends the task itself: no QFutureWatcher
    // follows it for the group. Spawned by name, it fulfils the future spawn() gave itself, so
    // no watcher of that one is needed either (it hears the caller's cancel itself): what is left
    // is the one event of its own watcher (Started). Before, a queued one cost two more (the
    // watcher of the future spawn() gave), and before that about 14 (three watchers, each told
    // of every change).
    constexpr int n = 20;
    for (int i = 0; i < n; ++i)
        m_site->script("/e" + QByteArray::number(i), { answer(200, "e") });
    FutureEventCounter counter;
    Pool pool(1); // one starts at once, the others from the queue
    QList<QFuture<Response>> futures;
    for (int i = 0; i < n; ++i) {
        const QByteArray path = "/e" + QByteArray::number(i);
        futures << pool.spawn(request, m_nam.get(), QNetworkRequest(m_site->url(path.constData())),
                              RequestOptions());
    }
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    for (const QFuture<Response> &future : std::as_const(futures))
        QCOMPARE(future.result().body, QByteArray("e"));
    QVERIFY2(
            counter.count <= n,
            qPrintable(
                    QStringLiteral("%1 watcher events for %2 requests").arg(counter.count).arg(n)));
}

void tst_Request::callableReturnsOneOfTwoRequests_data()
{
    QTest::addColumn<bool>("returnsFirst");
    QTest::newRow("the first (a watcher follows it)") << true;
    QTest::newRow("the last (it ends the task itself)") << false;
}

void tst_Request::callableReturnsOneOfTwoRequests()
{
    // The callable makes two requests and returns one: the task ends when that one does, not
    // when the other (slow) one does, whichever of the two it returns.
    QFETCH(bool, returnsFirst);
    HttpResponse slow = answer(200, "slow");
    slow.delayMs = 3000;
    m_site->script("/quick", { answer(200, "quick") });
    m_site->script("/slow", { slow });
    Pool pool(1);
    QFuture<Response> other;
    QFuture<Response> returned = pool.spawn([&] {
        const QUrl quick = m_site->url("/quick"), late = m_site->url("/slow");
        QFuture<Response> first =
                request(m_nam.get(), QNetworkRequest(returnsFirst ? quick : late));
        QFuture<Response> second =
                request(m_nam.get(), QNetworkRequest(returnsFirst ? late : quick));
        other = returnsFirst ? second : first;
        return returnsFirst ? first : second;
    });
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(returned.result().body, QByteArray("quick"));
    QVERIFY(!other.isFinished()); // left running: the task succeeded
    QCOMPARE(outcomeOf(other).response->body, QByteArray("slow"));
}

void tst_Request::groupDestroyedWhileItsRequestRuns()
{
    // A queued task's request runs when its group is destroyed: the future spawn() gave is
    // canceled and finished by then, as for any other task (its continuations have run), and
    // the request is aborted.
    HttpResponse slow = answer(200, "slow");
    slow.delayMs = 3000;
    m_site->script("/a", { answer(200, "a") });
    m_site->script("/slow", { slow });
    auto pool = std::make_unique<Pool>(1);
    pool->spawn(request, m_nam.get(), QNetworkRequest(m_site->url("/a")), RequestOptions());
    QFuture<Response> queued = pool->spawn(request, m_nam.get(),
                                           QNetworkRequest(m_site->url("/slow")), RequestOptions());
    QTRY_COMPARE_WITH_TIMEOUT(m_site->count("/slow"), 1, Patience);
    bool continued = false;
    queued.onCanceled([&] {
        continued = true;
        return Response();
    });
    pool.reset();
    QVERIFY(queued.isCanceled());
    QVERIFY(queued.isFinished());
    QVERIFY(continued);
}

void tst_Request::managerDestroyedWhileItsRequestRuns()
{
    // The manager goes while a task's request runs: the request's future is canceled, and its
    // task ends after the manager's destructor, not inside it (the next queued task, which uses
    // the manager, must not start while it is half destroyed).
    HttpResponse slow = answer(200, "slow");
    slow.delayMs = 3000;
    m_site->script("/slow", { slow });
    m_site->script("/b", { answer(200, "b") });
    auto nam = std::make_unique<QNetworkAccessManager>();
    QPointer<QNetworkAccessManager> alive(nam.get());
    bool destroying = false;
    bool startedWhileDestroying = false;
    Pool pool(1);
    QFuture<Response> running =
            pool.spawn(request, nam.get(), QNetworkRequest(m_site->url("/slow")), RequestOptions());
    QFuture<Response> next = pool.spawn([&] {
        startedWhileDestroying = destroying;
        return request(alive.data(), QNetworkRequest(m_site->url("/b")));
    });
    QTRY_COMPARE_WITH_TIMEOUT(m_site->count("/slow"), 1, Patience);
    destroying = true;
    QTest::ignoreMessage(QtWarningMsg, "AioUtils: request(): the QNetworkAccessManager is null");
    nam.reset();
    destroying = false;
    QVERIFY(running.isCanceled());
    // join() rethrows the failure of the task that found the manager gone.
    QVERIFY_THROWS_EXCEPTION(NetworkError, pool.join(QDeadlineTimer(Patience)));
    QVERIFY(!startedWhileDestroying);
    const Outcome outcome = outcomeOf(next);
    QVERIFY(outcome.error); // the manager was gone when it started
    QVERIFY(outcome.error->errorString().contains(QLatin1String("null")));
}

void tst_Request::managerDeletedByAContinuation_data()
{
    QTest::addColumn<bool>("viaFetch");
    QTest::addColumn<bool>("inPool");
    QTest::addColumn<int>("status");
    for (const bool viaFetch : { false, true }) {
        for (const bool inPool : { false, true }) {
            for (const int status : { 200, 404 }) {
                QTest::addRow("%s, %s, %d", viaFetch ? "fetch" : "request",
                              inPool ? "in a Pool" : "alone", status)
                        << viaFetch << inPool << status;
            }
        }
    }
}

void tst_Request::managerDeletedByAContinuation()
{
    // A continuation the caller attached without a context runs inside the request's end, on the
    // manager's thread, and deletes the manager (and so the request's reply and what follows
    // it): the request touches nothing of itself afterwards (ASan sees it), and a task that
    // returned the request's future still ends, with its outcome.
    QFETCH(bool, viaFetch);
    QFETCH(bool, inPool);
    QFETCH(int, status);
    m_site->script("/page", { answer(status, "page") });
    m_site->script("/next", { answer(200, "next") });
    const QNetworkRequest page(m_site->url("/page"));
    bool continued = false;
    const auto start = [&]() -> QFuture<void> {
        // Taking the future, the continuation runs on failure too.
        const auto deleteManager = [&] {
            continued = true;
            m_nam.reset();
        };
        if (viaFetch) {
            QFuture<QByteArray> future = fetch(m_nam.get(), page);
            future.then([deleteManager](const QFuture<QByteArray> &) { deleteManager(); });
            return QFuture<void>(future);
        }
        QFuture<Response> future = request(m_nam.get(), page);
        future.then([deleteManager](const QFuture<Response> &) { deleteManager(); });
        return QFuture<void>(future);
    };
    QFuture<void> work;
    std::unique_ptr<Pool> pool;
    QFuture<void> next;
    if (inPool) {
        pool = std::make_unique<Pool>(1);
        work = pool->spawn(start);
        // Queued behind it: it starts once the first task ended, and finds the manager gone.
        QTest::ignoreMessage(QtWarningMsg, "AioUtils: fetch(): the QNetworkAccessManager is null");
        next = pool->spawn([&] { return QFuture<void>(fetch(m_nam.get(), page)); });
    } else {
        work = start();
    }
    QVERIFY(QTest::qWaitFor([&] { return work.isFinished(); }, Patience));
    QVERIFY(continued);
    QVERIFY(!m_nam);
    if (status == 200) {
        QVERIFY(!work.isCanceled());
    } else {
        QVERIFY_THROWS_EXCEPTION(NetworkError, work.waitForFinished());
    }
    if (inPool) {
        QVERIFY_THROWS_EXCEPTION(NetworkError, pool->join(QDeadlineTimer(Patience)));
        QCOMPARE(pool->finishedCount(), 2);
        QVERIFY(next.isFinished());
    }
}

#include "tst_request.moc"
