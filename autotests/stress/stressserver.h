// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The stress suite's HTTP server: LocalSite's HttpServer with the suite's own handler, in a
// thread of its own, so it answers whichever thread owns the episode and whatever that thread
// is doing.

#ifndef STRESS_STRESSSERVER_H
#define STRESS_STRESSSERVER_H

#include "httpserver.h"

#include <QtCore/QThread>
#include <QtCore/QUrl>

#include <memory>

namespace Stress {

class StressServer
{
public:
    explicit StressServer(LocalSite::HttpServer::Handler handler)
        : m_handler(std::move(handler)) { }
    ~StressServer()
    {
        if (!m_thread)
            return;
        m_thread->quit(); // finished -> deleteLater deletes the server in its thread
        m_thread->wait();
    }

    bool start()
    {
        m_thread = std::make_unique<QThread>();
        m_thread->setObjectName(QStringLiteral("StressServer"));
        auto *server = new LocalSite::HttpServer(m_handler);
        server->moveToThread(m_thread.get());
        QObject::connect(m_thread.get(), &QThread::finished, server, &QObject::deleteLater);
        m_thread->start();
        QMetaObject::invokeMethod(
                server,
                [this, server] {
                    if (server->listen())
                        m_url = server->url();
                },
                Qt::BlockingQueuedConnection);
        return !m_url.isEmpty();
    }
    QUrl url() const { return m_url; }

private:
    LocalSite::HttpServer::Handler m_handler;
    std::unique_ptr<QThread> m_thread;
    QUrl m_url;
};

} // namespace Stress

#endif // STRESS_STRESSSERVER_H
