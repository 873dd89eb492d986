// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The stress suite's HTTP server: LocalSite's HttpServer with the suite's own handler, in a
// thread of its own, so it answers whichever thread owns the episode and whatever that thread
// is doing.

#ifndef STRESS_STRESSSERVER_H
#define STRESS_STRESSSERVER_H

#include "httpserver.h"

#include <QtCore/QRegularExpression>
#include <QtCore/QThread>
#include <QtCore/QUrl>

#include <condition_variable>
#include <functional>
#include <mutex>

namespace Stress {

class StressServer : private QThread
{
public:
    explicit StressServer(LocalSite::HttpServer::Handler handler)
        : m_handler(std::move(handler)) { }
    ~StressServer() override
    {
        quit();
        wait();
    }

    // Starts the thread and waits until the server listens (or failed to).
    bool start()
    {
        QThread::start();
        std::unique_lock lock(m_mutex);
        m_ready.wait(lock, [this] { return m_started; });
        return !m_url.isEmpty();
    }
    QUrl url() const
    {
        std::lock_guard lock(m_mutex);
        return m_url;
    }

    // A task's GET: /e<episode>/v/<id> answers 200 with the id as its body, /e<episode>/fail/<id>
    // answers 404 or 500; both after `delayMs`.
    static QUrl urlFor(const QUrl &site, int episode, int id, bool fail, int delayMs)
    {
        QUrl url = site;
        url.setPath(QStringLiteral("/e%1/%2/%3")
                            .arg(episode)
                            .arg(QLatin1String(fail ? "fail" : "v"))
                            .arg(id));
        url.setQuery(QStringLiteral("d=%1").arg(delayMs));
        return url;
    }

    // Answers a request made from urlFor(); `record(episode, fail, id)` runs (on the server's
    // thread) as the answer is made, so the model knows the value exists before it arrives.
    using Record = std::function<void(int episode, bool fail, int id)>;
    static LocalSite::HttpResponse answer(const LocalSite::HttpRequest &request,
                                          const Record &record)
    {
        static const QRegularExpression pattern(
                QStringLiteral("^/e(\\d+)/(v|fail)/(\\d+)\\?d=(\\d+)$"));
        const QRegularExpressionMatch match = pattern.match(QString::fromLatin1(request.path));
        LocalSite::HttpResponse response;
        if (!match.hasMatch()) {
            response.status = 400;
            return response;
        }
        const bool fail = match.captured(2) == QLatin1String("fail");
        const int id = match.captured(3).toInt();
        record(match.captured(1).toInt(), fail, id);
        response.status = fail ? (id % 2 ? 404 : 500) : 200;
        response.delayMs = match.captured(4).toInt();
        response.contentType = "text/plain";
        response.body = QByteArray::number(id);
        return response;
    }

private:
    // The server lives and dies in this thread; the URL is handed over under a std::mutex, which
    // ThreadSanitizer sees (QMetaObject::invokeMethod's hand-over it would not). The notify is
    // under the lock too: start() may return as soon as the lock is free, and the destructor's
    // QThread::wait() is no order ThreadSanitizer sees, so a notify after the unlock could touch
    // the condition variable with nothing ordering it before its destruction (it reported that).
    void run() override
    {
        LocalSite::HttpServer server(m_handler);
        {
            std::lock_guard lock(m_mutex);
            if (server.listen())
                m_url = server.url();
            m_started = true;
            m_ready.notify_all();
        }
        exec();
    }

    const LocalSite::HttpServer::Handler m_handler;
    mutable std::mutex m_mutex;
    std::condition_variable m_ready;
    bool m_started = false;
    QUrl m_url;
};

} // namespace Stress

#endif // STRESS_STRESSSERVER_H
