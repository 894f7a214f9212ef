#include "widgets/layer_table_model.h"

#include <QLocale>

namespace lamina {

LayerTableModel::LayerTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void LayerTableModel::setSummary(const ModelSummary& summary) {
    beginResetModel();
    mSummary = summary;
    endResetModel();
}

int LayerTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(mSummary.layers.size());
}

int LayerTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LayerTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const LayerSummary& l = mSummary.layers[static_cast<std::size_t>(index.row())];
    const qint64 block = l.attnParams + l.mlpParams;
    if (role == Qt::TextAlignmentRole) {
        return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
    }
    if (role == Qt::ToolTipRole) {
        return tr("Block %1: attention %2 parameters, FFN %3 parameters")
            .arg(l.index)
            .arg(QLocale().toString(static_cast<qint64>(l.attnParams)))
            .arg(QLocale().toString(static_cast<qint64>(l.mlpParams)));
    }
    // Qt::UserRole gives raw numbers (for sorting and tests); DisplayRole formatted text.
    const bool raw = role == Qt::UserRole;
    if (role != Qt::DisplayRole && !raw) return {};
    const QLocale locale;
    switch (index.column()) {
        case Block:
            return raw ? QVariant(qint64(l.index)) : QVariant(QString::number(l.index));
        case AttnParams:
            return raw ? QVariant(qint64(l.attnParams))
                       : QVariant(locale.toString(qint64(l.attnParams)));
        case MlpParams:
            return raw ? QVariant(qint64(l.mlpParams))
                       : QVariant(locale.toString(qint64(l.mlpParams)));
        case BlockParams:
            return raw ? QVariant(block) : QVariant(locale.toString(block));
        case Share: {
            const double share = mSummary.totalParams > 0
                                     ? 100.0 * static_cast<double>(block) / mSummary.totalParams
                                     : 0.0;
            return raw ? QVariant(share) : QVariant(QString::number(share, 'f', 2) + " %");
        }
        default:
            return {};
    }
}

QVariant LayerTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole || orientation != Qt::Horizontal) return {};
    switch (section) {
        case Block:
            return tr("Block");
        case AttnParams:
            return tr("Attention params");
        case MlpParams:
            return tr("FFN params");
        case BlockParams:
            return tr("Block params");
        case Share:
            return tr("Share of model");
        default:
            return {};
    }
}

}  // namespace lamina
