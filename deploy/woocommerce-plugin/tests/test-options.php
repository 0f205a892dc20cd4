<?php
/**
 * Sanitising what the settings form sends.
 *
 * @package Balas_WhatsApp
 */

/** A complete, valid form as the browser posts it. */
function valid_form( array $changes = array() ): array {
	return array_merge(
		array(
			'enabled'         => '1',
			'whatsapp_number' => '+6281234567890',
			'message'         => 'Halo kak!',
			'product_message' => 'Saya mau {product}',
			'position'        => 'bottom-left',
			'label'           => 'Chat kami',
			'balas_url'       => 'https://balas.example.com',
			'store_id'        => 'toko-batik',
			'token'           => 'tok_0123456789abcdef',
		),
		$changes
	);
}

/** Saved settings, as if an earlier save had stored them. */
function save_settings( array $changes = array() ): array {
	$options = new Balas_WhatsApp_Options();
	$saved   = array_merge( $options->sanitize( valid_form() ), $changes );
	update_option( Balas_WhatsApp_Options::NAME, $saved );
	WP_Stub::$settings_errors = array();
	return $saved;
}

function test_a_valid_form_is_saved_as_sent() {
	$clean = ( new Balas_WhatsApp_Options() )->sanitize( valid_form() );

	assert_same(
		array(
			'enabled'         => true,
			'message'         => 'Halo kak!',
			'position'        => 'bottom-left',
			'label'           => 'Chat kami',
			'whatsapp_number' => '+6281234567890',
			'product_message' => 'Saya mau {product}',
			'balas_url'       => 'https://balas.example.com',
			'store_id'        => 'toko-batik',
			'token'           => 'tok_0123456789abcdef',
		),
		$clean
	);
	assert_same( array(), notice_codes() );
}

function test_a_number_written_with_spaces_and_dashes_is_stored_as_e164() {
	$clean = ( new Balas_WhatsApp_Options() )->sanitize( valid_form( array( 'whatsapp_number' => ' +62 (812) 3456-7890 ' ) ) );

	assert_same( '+6281234567890', $clean['whatsapp_number'] );
}

function test_an_invalid_number_is_rejected_and_the_saved_one_kept() {
	save_settings( array( 'whatsapp_number' => '+6289999999999' ) );

	foreach ( array( '081234567890', '+0812345678', '+62812', '+6281234567890123', '+62abc4567890' ) as $number ) {
		WP_Stub::$settings_errors = array();
		$clean                    = ( new Balas_WhatsApp_Options() )->sanitize( valid_form( array( 'whatsapp_number' => $number ) ) );

		assert_same( '+6289999999999', $clean['whatsapp_number'], $number );
		assert_same( array( 'invalid_number' ), notice_codes(), $number );
	}
}

function test_a_blank_number_is_allowed_and_hides_the_button() {
	$clean = ( new Balas_WhatsApp_Options() )->sanitize( valid_form( array( 'whatsapp_number' => '' ) ) );

	assert_same( '', $clean['whatsapp_number'] );
	assert_same( array(), notice_codes() );
}

function test_the_balas_url_is_sanitised_and_loses_its_trailing_slash() {
	$clean = ( new Balas_WhatsApp_Options() )->sanitize( valid_form( array( 'balas_url' => ' https://balas.example.com/ ' ) ) );

	assert_same( 'https://balas.example.com', $clean['balas_url'] );
}

function test_a_balas_url_that_is_not_http_is_rejected() {
	save_settings();

	foreach ( array( 'javascript:alert(1)', 'ftp://balas.example.com', 'https://' ) as $url ) {
		WP_Stub::$settings_errors = array();
		$clean                    = ( new Balas_WhatsApp_Options() )->sanitize( valid_form( array( 'balas_url' => $url ) ) );

		assert_same( 'https://balas.example.com', $clean['balas_url'], $url );
		assert_same( array( 'invalid_balas_url' ), notice_codes(), $url );
	}
}

function test_a_plain_http_balas_url_is_saved_with_a_warning() {
	$clean = ( new Balas_WhatsApp_Options() )->sanitize( valid_form( array( 'balas_url' => 'http://192.168.1.5:8000' ) ) );

	assert_same( 'http://192.168.1.5:8000', $clean['balas_url'] );
	assert_same( array( 'insecure_balas_url' ), notice_codes() );
	assert_same( 'warning', WP_Stub::$settings_errors[0]['type'] );
}

function test_the_position_is_one_of_the_two_corners() {
	$options = new Balas_WhatsApp_Options();

	assert_same( 'bottom-left', $options->sanitize( valid_form( array( 'position' => 'bottom-left' ) ) )['position'] );
	assert_same( 'bottom-right', $options->sanitize( valid_form( array( 'position' => 'top-left' ) ) )['position'] );
	assert_same( 'bottom-right', $options->sanitize( valid_form( array( 'position' => '" onmouseover="x' ) ) )['position'] );
}

function test_an_unticked_checkbox_switches_the_button_off() {
	$form = valid_form();
	unset( $form['enabled'] );

	assert_same( false, ( new Balas_WhatsApp_Options() )->sanitize( $form )['enabled'] );
}

function test_text_fields_lose_tags_and_a_blank_label_gets_the_default() {
	$clean = ( new Balas_WhatsApp_Options() )->sanitize(
		valid_form(
			array(
				'message' => "<b>Halo</b>\nkak <script>alert(1)</script>",
				'label'   => '   ',
			)
		)
	);

	assert_same( 'Halo kak', $clean['message'] );
	assert_same( 'Chat with us', $clean['label'] );
}

function test_a_product_message_without_the_placeholder_is_rejected() {
	save_settings();

	$clean = ( new Balas_WhatsApp_Options() )->sanitize( valid_form( array( 'product_message' => 'Saya mau produk ini' ) ) );

	assert_same( 'Saya mau {product}', $clean['product_message'] );
	assert_same( array( 'invalid_product_message' ), notice_codes() );
}

function test_an_invalid_store_id_is_rejected() {
	save_settings();

	$clean = ( new Balas_WhatsApp_Options() )->sanitize( valid_form( array( 'store_id' => '../admin' ) ) );

	assert_same( 'toko-batik', $clean['store_id'] );
	assert_same( array( 'invalid_store_id' ), notice_codes() );
}

function test_a_blank_token_field_keeps_the_saved_token() {
	save_settings( array( 'token' => 'tok_saved_0123456789' ) );

	$clean = ( new Balas_WhatsApp_Options() )->sanitize( valid_form( array( 'token' => '' ) ) );

	assert_same( 'tok_saved_0123456789', $clean['token'] );
}

function test_the_remove_box_clears_the_token() {
	save_settings();

	$clean = ( new Balas_WhatsApp_Options() )->sanitize( valid_form( array( 'clear_token' => '1' ) ) );

	assert_same( '', $clean['token'] );
}

function test_a_token_is_stored_exactly_and_an_invalid_one_rejected() {
	save_settings( array( 'token' => 'tok_saved_0123456789' ) );
	$options = new Balas_WhatsApp_Options();

	// sanitize_text_field would drop the "%3c": a secret is checked, never altered.
	assert_same( 'a%3cb<c>d', $options->sanitize( valid_form( array( 'token' => 'a%3cb<c>d' ) ) )['token'] );
	assert_same( 'tok_saved_0123456789', $options->sanitize( valid_form( array( 'token' => 'has a space' ) ) )['token'] );
	assert_same( array( 'invalid_token' ), notice_codes() );
}

function test_fields_posted_as_arrays_are_treated_as_blank() {
	$clean = ( new Balas_WhatsApp_Options() )->sanitize( valid_form( array( 'message' => array( 'x' ), 'whatsapp_number' => array( '+62' ) ) ) );

	assert_same( '', $clean['message'] );
	assert_same( '', $clean['whatsapp_number'] );
}

function test_sanitising_twice_changes_nothing_and_shows_each_notice_once() {
	// WordPress runs the callback twice on the first save (update_option, then add_option).
	$options = new Balas_WhatsApp_Options();
	$once    = $options->sanitize( valid_form( array( 'whatsapp_number' => '0812', 'balas_url' => 'http://balas.local' ) ) );

	assert_same( $once, $options->sanitize( $once ) );
	assert_same( array( 'invalid_number', 'insecure_balas_url' ), notice_codes() );
}

function test_settings_not_yet_saved_read_as_the_defaults() {
	assert_same( Balas_WhatsApp_Options::defaults(), ( new Balas_WhatsApp_Options() )->get() );
}
