#pragma once

#include <QObject>
#include <QString>

#include <deque>
#include <functional>

#include "job.h"

namespace lamina {

/// Long computations run one after another, each on its own thread, in the order queued.
class JobQueue : public QObject {
    Q_OBJECT
public:
    /// Called on the GUI thread with the error message when a job fails.
    using OnFailure = std::function<void(const QString& message)>;

    explicit JobQueue(QObject* parent = nullptr);
    ~JobQueue() override;  ///< cancels the running job and waits for it

    void enqueue(const QString& title, Job::Work work, OnFailure onFailure = {});
    Job* current() const { return mCurrent; }
    bool isBusy() const { return mCurrent != nullptr || !mQueue.empty(); }
    /// Cancels the running job and drops the queued ones.
    void cancelAll();

Q_SIGNALS:
    void jobStarted(lamina::Job* job);
    /// `outcome`: "finished", "cancelled" or the error message.
    void jobEnded(const QString& title, const QString& outcome);

private:
    struct Queued {
        QString title;
        Job::Work work;
        OnFailure onFailure;
    };
    void startNext();

    std::deque<Queued> mQueue;
    Job* mCurrent = nullptr;
};

}  // namespace lamina
