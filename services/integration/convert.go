package integration

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db/dbq"
	integrationv1 "github.com/betterplan/betterplan/gen/betterplan/integration/v1"
)

func (s *Service) toProto(r dbq.Integration) *integrationv1.Integration {
	status := integrationv1.Status_STATUS_ACTIVE
	if r.Status == dbq.IntegrationStatusNeedsReconnect {
		status = integrationv1.Status_STATUS_NEEDS_RECONNECT
	}
	return &integrationv1.Integration{
		Id:                r.ID,
		Platform:          integrationv1.Platform_PLATFORM_X,
		PlatformAccountId: r.PlatformAccountID,
		Username:          r.Username,
		DisplayName:       r.DisplayName,
		AvatarUrl:         r.AvatarUrl,
		ProfileUrl:        s.XWeb.Profile(r.Username),
		Status:            status,
		StatusReason:      r.StatusReason,
		CreateTime:        timestamppb.New(r.CreatedAt),
		UpdateTime:        timestamppb.New(r.UpdatedAt),
		WorkspaceId:       r.WorkspaceID,
	}
}
