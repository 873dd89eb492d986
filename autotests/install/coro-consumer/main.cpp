// SPDX-License-Identifier: Apache-2.0

// A C++20 program using the installed AioUtils::Coro: coroutine tasks spawned into a Bag, whose
// results a coroutine takes with QCORO_FOREACH over AioUtils::results(). Exits non-zero if
// anything does not behave as documented.

#include <AioUtils/Bag>
#include <AioUtils/Coro>
#include <AioUtils/OrderedBag>

#include <QCoroTimer>

#include <QtCore/QCoreApplication>
#include <QtCore/QThread>
#include <QtCore/QTimer>

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace {

QCoro::Task<int> square(int i)
{
    co_await QCoro::sleepFor(std::chrono::milliseconds(5 * (4 - i)));
    if (i == 3)
        throw std::runtime_error("three is not welcome");
    const int squared = i * i;
    co_return squared;
}

QCoro::Task<> run(AioUtils::OrderedBag &bag, int *status)
{
    for (int i = 0; i < 4; ++i)
        bag.spawn([i] { return square(i); });
    int expected = 0;
    bool failed = false;
    try {
        QCORO_FOREACH (const QVariant &value, AioUtils::results(bag)) {
            if (QThread::currentThread()->loopLevel() != 1) {
                std::fprintf(stderr, "FAIL: a nested event loop ran\n");
                *status = 1;
            }
            if (value.toInt() != expected * expected) {
                std::fprintf(stderr, "FAIL: got %d, expected %d\n", value.toInt(),
                             expected * expected);
                *status = 1;
            }
            ++expected;
        }
    } catch (const std::runtime_error &) {
        failed = true;
    }
    if (expected != 3 || !failed) {
        std::fprintf(stderr, "FAIL: %d results, failure %s\n", expected, failed ? "seen" : "lost");
        *status = 1;
    }
    QCoreApplication::exit(*status);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    AioUtils::OrderedBag bag(2);
    int status = 0;
    QTimer::singleShot(0, &app, [&] { run(bag, &status); });
    const int code = app.exec();
    std::printf("coro-consumer: %s\n", code == 0 ? "ok" : "FAILED");
    return code;
}
