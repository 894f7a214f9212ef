#include "plan_document.h"

#include <QUndoCommand>

namespace lamina {

namespace {

// An edit of the plan; undo restores the plan as it was before.
class SetPlanCommand : public QUndoCommand {
public:
    SetPlanCommand(PlanDocument* document, EditablePlan before, EditablePlan after, const QString& text)
        : QUndoCommand(text), mDocument(document), mBefore(std::move(before)), mAfter(std::move(after)) {}
    void redo() override { mDocument->restorePlan(mAfter); }
    void undo() override { mDocument->restorePlan(mBefore); }

private:
    PlanDocument* mDocument;
    EditablePlan mBefore, mAfter;
};

QString unitText(const Unit& u) {
    switch (u.kind) {
        case Unit::Kind::Attn: return QObject::tr("attention %1").arg(u.layer);
        case Unit::Kind::Mlp: return QObject::tr("FFN %1").arg(u.layer);
        case Unit::Kind::Block: return QObject::tr("block %1").arg(u.layer);
    }
    return {};
}

}  // namespace

PlanDocument::PlanDocument(QObject* parent) : QObject(parent) {}

void PlanDocument::reset(int64_t layers) {
    mUndo.clear();
    mPlan = EditablePlan::empty(layers);
}

bool PlanDocument::toggleUnit(const Unit& unit) {
    const auto next = mPlan.toggled(unit);
    if (!next) return false;
    const auto k = static_cast<std::size_t>(unit.layer);
    const bool removing = unit.kind == Unit::Kind::Attn  ? !mPlan.attnRemoved[k]
                          : unit.kind == Unit::Kind::Mlp ? !mPlan.mlpRemoved[k]
                                                         : !(mPlan.attnRemoved[k] && mPlan.mlpRemoved[k]);
    setPlan(*next, (removing ? tr("Remove %1") : tr("Restore %1")).arg(unitText(unit)));
    return true;
}

void PlanDocument::setPlan(const EditablePlan& plan, const QString& description) {
    if (plan == mPlan) return;
    mUndo.push(new SetPlanCommand(this, mPlan, plan, description));
}

void PlanDocument::restorePlan(const EditablePlan& plan) {
    mPlan = plan;
    Q_EMIT planChanged();
}

}  // namespace lamina
